"""Cumulative conversion rate per variant as users arrive (is the difference stable?)."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

ab = pd.read_csv(HERE / "ab_test.csv")
ab["order"] = ab["user_id"].str[1:].astype(int)
ab = ab.sort_values("order")

fig, ax = plt.subplots(figsize=(8, 4))
for variant, grp in ab.groupby("variant"):
    cumulative = grp["converted"].cumsum() / range(1, len(grp) + 1)
    ax.plot(range(1, len(grp) + 1), cumulative, label=f"variant {variant}")
ax.set_xlabel("users in variant")
ax.set_ylabel("cumulative conversion rate")
ax.set_ylim(0, 0.4)
ax.legend()
ax.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(OUT / "ab_cumulative.png", dpi=110)
print(ab.groupby("variant")["converted"].mean().round(4))
