"""Correlation of daily returns between tickers, as a table and an annotated heatmap."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

px = pd.read_csv(HERE / "stock_prices.csv", parse_dates=["date"]).pivot(index="date", columns="ticker", values="close")
rets = px.pct_change().dropna()
corr = rets.corr()
corr.round(3).to_csv(OUT / "return_correlations.csv")

fig, ax = plt.subplots(figsize=(4.5, 4))
im = ax.imshow(corr, vmin=-1, vmax=1, cmap="RdBu_r")
ax.set_xticks(range(len(corr)), corr.columns, rotation=45)
ax.set_yticks(range(len(corr)), corr.index)
for i in range(len(corr)):
    for j in range(len(corr)):
        ax.text(j, i, f"{corr.iat[i, j]:.2f}", ha="center", va="center", fontsize=9)
fig.colorbar(im)
fig.tight_layout()
fig.savefig(OUT / "return_correlations.png", dpi=120)
print(corr.round(3))
