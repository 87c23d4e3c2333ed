"""Tenure distribution and hiring by year from employees.csv."""
import csv
import os
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

AS_OF = date(2024, 6, 30)
here = Path(__file__).resolve().parent
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

with (here / "employees.csv").open(newline="") as fh:
    hired = [datetime.strptime(r["hired"], "%Y-%m-%d").date() for r in csv.DictReader(fh)]

tenure = [(AS_OF - d).days / 365.25 for d in hired]
per_year = Counter(d.year for d in hired)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.hist(tenure, bins=range(0, 11), edgecolor="white")
ax1.set_xlabel("tenure (years)")
ax1.set_ylabel("employees")
ax2.bar(list(per_year), list(per_year.values()))
ax2.set_xlabel("hiring year")
fig.tight_layout()
fig.savefig(out / "tenure.png", dpi=110)

with (out / "hires_per_year.csv").open("w", newline="") as fh:
    csv.writer(fh).writerows([("year", "hires"), *sorted(per_year.items())])
print(f"median tenure {sorted(tenure)[len(tenure) // 2]:.1f} years; hires per year: {dict(sorted(per_year.items()))}")
