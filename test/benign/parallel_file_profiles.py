"""Profile every CSV next to the script in parallel threads: rows, columns, null counts."""
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])


def profile(path: Path) -> dict:
    frame = pd.read_csv(path)
    return {
        "file": path.name,
        "rows": len(frame),
        "columns": {c: str(t) for c, t in frame.dtypes.items()},
        "nulls": {c: int(n) for c, n in frame.isna().sum().items() if n},
        "memory_kb": round(frame.memory_usage(deep=True).sum() / 1024, 1),
    }


with ThreadPoolExecutor(max_workers=4) as pool:
    profiles = list(pool.map(profile, sorted(HERE.glob("*.csv"))))

(OUT / "csv_profiles.json").write_text(json.dumps(profiles, indent=2))
for p in profiles:
    print(f"{p['file']:<24}{p['rows']:>6} rows {len(p['columns']):>3} cols  nulls: {p['nulls'] or '-'}")
