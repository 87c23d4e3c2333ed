"""Generated helper that tries to download a fresher dataset first: risky, so `high`.

Nothing here is malicious, but a script that reaches for the network is one the
policy runs only under the restricted profile. The sandbox has no network, so the
download fails and the script falls back to the local copy.
"""
import csv
import os
import urllib.request
from pathlib import Path

out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
local = Path(__file__).parent / "data" / "sales.csv"
try:
    with urllib.request.urlopen("https://example.com/sales.csv", timeout=3) as resp:
        text = resp.read().decode()
    source = "remote"
except OSError as e:
    text = local.read_text()
    source = f"local ({type(e).__name__})"
rows = list(csv.DictReader(text.splitlines()))
(out / "rows.txt").write_text(f"{len(rows)} rows from {source}\n")
print(f"{len(rows)} rows from {source}")
