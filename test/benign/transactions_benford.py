"""Benford's-law check on transaction amounts: first-digit frequencies vs. expected."""
import csv
import json
import math
import os
from collections import Counter
from pathlib import Path

here = Path(__file__).resolve().parent
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

with open(here / "transactions.csv", newline="") as fh:
    amounts = [float(r["amount"]) for r in csv.DictReader(fh) if float(r["amount"]) >= 1]

first_digits = Counter(int(f"{a:e}"[0]) for a in amounts)
n = sum(first_digits.values())
rows = []
chi2 = 0.0
for d in range(1, 10):
    expected = math.log10(1 + 1 / d)
    observed = first_digits[d] / n
    chi2 += n * (observed - expected) ** 2 / expected
    rows.append({"digit": d, "observed": round(observed, 4), "expected": round(expected, 4)})

# Chi-square critical value for 8 degrees of freedom at 5 %.
report = {"n": n, "chi2": round(chi2, 3), "critical_5pct": 15.507, "conforms": chi2 < 15.507, "digits": rows}
(out / "benford.json").write_text(json.dumps(report, indent=2))
for r in rows:
    print(r["digit"], f"{r['observed']:.3f}", f"{r['expected']:.3f}")
print("chi2", report["chi2"], "conforms" if report["conforms"] else "deviates")
