"""Data-quality checks on sales.csv: schema, ranges, duplicates; writes a JSON report."""
import hashlib
import json
import os
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

EXPECTED_COLUMNS = ["date", "region", "product", "units", "unit_price"]

sales = pd.read_csv(HERE / "sales.csv")
assert list(sales.columns) == EXPECTED_COLUMNS, f"unexpected columns: {list(sales.columns)}"

problems = []
dates = pd.to_datetime(sales["date"], errors="coerce")
if dates.isna().any():
    problems.append(f"{int(dates.isna().sum())} unparseable dates")
if (sales["units"] <= 0).any():
    problems.append("non-positive unit counts")
if (sales["unit_price"] <= 0).any():
    problems.append("non-positive prices")

# A short fingerprint per row finds exact duplicates; not used for security.
fingerprints = sales.astype(str).agg("|".join, axis=1).map(lambda row: hashlib.md5(row.encode()).hexdigest()[:12])
duplicates = int(fingerprints.duplicated().sum())
if duplicates:
    problems.append(f"{duplicates} duplicate rows")

report = {
    "rows": int(len(sales)),
    "date_range": [str(dates.min().date()), str(dates.max().date())],
    "regions": sorted(sales["region"].unique().tolist()),
    "problems": problems,
    "passed": not problems,
}
(OUT / "quality_report.json").write_text(json.dumps(report, indent=2))
print(json.dumps(report, indent=2))
