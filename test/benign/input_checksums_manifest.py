"""Record what the analysis read: a SHA-256 manifest of every input file, zipped with a summary."""
import hashlib
import json
import os
import zipfile
from datetime import datetime, timezone
from pathlib import Path

here = Path(__file__).resolve().parent
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

manifest = []
for path in sorted(here.iterdir()):
    if path.suffix not in {".csv", ".json", ".jsonl", ".txt", ".log", ".gpx", ".yaml"}:
        continue
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(65536), b""):
            digest.update(chunk)
    manifest.append({"file": path.name, "bytes": path.stat().st_size, "sha256": digest.hexdigest()})

doc = {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "files": manifest}
(out / "inputs_manifest.json").write_text(json.dumps(doc, indent=2))
with zipfile.ZipFile(out / "inputs_manifest.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
    zf.writestr("manifest.json", json.dumps(doc, indent=2))
    zf.writestr("README.txt", f"{len(manifest)} input files, {sum(m['bytes'] for m in manifest)} bytes\n")
print(f"hashed {len(manifest)} files")
