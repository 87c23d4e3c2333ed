"""Tukey-fence outliers in each numeric survey column."""
import csv
import os
import statistics
from pathlib import Path

src = Path(__file__).resolve().parent / "survey.csv"
dst = Path(os.environ["AIRLOCK_OUTPUT_DIR"]) / "survey_outliers.csv"

with src.open(newline="") as fh:
    rows = list(csv.DictReader(fh))

numeric = [c for c in rows[0] if c not in ("respondent", "team")]
flagged = []
for col in numeric:
    values = [float(r[col]) for r in rows]
    q1, _, q3 = statistics.quantiles(values, n=4)
    iqr = q3 - q1
    low, high = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    for r in rows:
        v = float(r[col])
        if v < low or v > high:
            flagged.append({"respondent": r["respondent"], "column": col, "value": v, "low": round(low, 2), "high": round(high, 2)})

with dst.open("w", newline="") as fh:
    writer = csv.DictWriter(fh, fieldnames=["respondent", "column", "value", "low", "high"])
    writer.writeheader()
    writer.writerows(flagged)
print(f"{len(flagged)} outlying values across {len(numeric)} columns")
