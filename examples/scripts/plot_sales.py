"""Monthly revenue per region as a line plot (matplotlib)."""
import csv
import os
from collections import defaultdict
from pathlib import Path

import matplotlib.pyplot as plt

out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
revenue = defaultdict(dict)
with open(Path(__file__).parent / "data" / "sales.csv", newline="") as f:
    for row in csv.DictReader(f):
        revenue[row["region"]][row["month"]] = int(row["units"]) * float(row["price"])

fig, ax = plt.subplots(figsize=(6, 4))
for region, series in sorted(revenue.items()):
    months = sorted(series)
    ax.plot(months, [series[m] for m in months], marker="o", label=region)
ax.set_title("Revenue by region")
ax.set_ylabel("revenue")
ax.legend()
fig.tight_layout()
fig.savefig(out / "revenue.png", dpi=100)
print("wrote revenue.png")
