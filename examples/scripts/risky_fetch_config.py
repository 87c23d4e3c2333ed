"""Generated helper that loads a cached model config with pickle: risky, so `high`.

Nothing here is malicious, but unpickling runs arbitrary code if the file is
attacker-controlled, so the policy runs it only under the restricted profile.
"""
import os
import pickle
from pathlib import Path

out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
config = {"alpha": 0.5, "iterations": 10}
blob = pickle.dumps(config)
restored = pickle.loads(blob)
(out / "config.txt").write_text(repr(restored))
print("restored", restored)
