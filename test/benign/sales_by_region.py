"""Revenue by region and product from sales.csv, as a table and a stacked bar chart."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

sales = pd.read_csv(HERE / "sales.csv", parse_dates=["date"])
sales["revenue"] = sales["units"] * sales["unit_price"]

by_region = sales.pivot_table(index="region", columns="product", values="revenue", aggfunc="sum", fill_value=0)
by_region["total"] = by_region.sum(axis=1)
by_region = by_region.sort_values("total", ascending=False)
by_region.round(2).to_csv(OUT / "revenue_by_region.csv")

ax = by_region.drop(columns="total").plot(kind="bar", stacked=True, figsize=(8, 5))
ax.set_ylabel("Revenue")
ax.set_title("Revenue by region and product")
plt.tight_layout()
plt.savefig(OUT / "revenue_by_region.png", dpi=120)

print(by_region.round(2).to_string())
