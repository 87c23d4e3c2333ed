"""Pareto view: which product-region combinations make up 80 % of revenue."""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ["AIRLOCK_OUTPUT_DIR"]

df = pd.read_csv(os.path.join(HERE, "sales.csv"))
df["revenue"] = df.eval("units * unit_price")
combo = df.groupby(["product", "region"], as_index=False)["revenue"].sum().sort_values("revenue", ascending=False)
combo["cum_share"] = combo["revenue"].cumsum() / combo["revenue"].sum()
vital_few = combo.query("cum_share <= 0.8")
combo.to_csv(os.path.join(OUT, "pareto.csv"), index=False)

labels = combo["product"] + " / " + combo["region"]
fig, ax = plt.subplots(figsize=(9, 4))
ax.bar(labels, combo["revenue"], color="tab:blue")
ax2 = ax.twinx()
ax2.plot(labels, combo["cum_share"] * 100, color="tab:red", marker="o")
ax2.axhline(80, color="grey", ls=":")
ax2.set_ylabel("cumulative share (%)")
ax.tick_params(axis="x", rotation=60)
fig.tight_layout()
fig.savefig(os.path.join(OUT, "pareto.png"), dpi=110)
print(f"{len(vital_few)} of {len(combo)} combinations give 80 % of revenue")
