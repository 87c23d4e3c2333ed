# Test target for unsafe-deserialization.yaml (`semgrep --test` layout).
import json
import marshal
import pickle
import shelve

import joblib
import numpy as np
import pandas as pd
import yaml

# ruleid: airlock.unsafe-deserialization
model = pickle.load(open("model.pkl", "rb"))
# ruleid: airlock.unsafe-deserialization
code = marshal.loads(b"")
# ruleid: airlock.unsafe-deserialization
db = shelve.open("cache.db")
# ruleid: airlock.unsafe-deserialization
est = joblib.load("model.joblib")
# ruleid: airlock.unsafe-deserialization
frame = pd.read_pickle("frame.pkl")
# ruleid: airlock.unsafe-deserialization
arr = np.load("data.npy", allow_pickle=True)
# ruleid: airlock.unsafe-deserialization
cfg = yaml.load(open("c.yml"), Loader=yaml.Loader)
# ok: airlock.unsafe-deserialization
safe_cfg = yaml.load(open("c.yml"), Loader=yaml.SafeLoader)
# ok: airlock.unsafe-deserialization
safe_cfg2 = yaml.safe_load(open("c.yml"))
# ok: airlock.unsafe-deserialization
plain = np.load("data.npy")
# ok: airlock.unsafe-deserialization
rows = json.load(open("rows.json"))
