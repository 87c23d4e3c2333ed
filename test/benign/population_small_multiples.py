"""One small line chart per country, shared x axis, each with its own y scale."""
import math
import os
from pathlib import Path

os.environ["MPLBACKEND"] = "Agg"  # headless: no display in the sandbox
import matplotlib.pyplot as plt
import pandas as pd

src = Path(__file__).resolve().parent / "population_wide.csv"
dst = Path(os.environ["AIRLOCK_OUTPUT_DIR"]) / "population_small_multiples.png"

frame = pd.read_csv(src, index_col="country").T
frame.index = frame.index.astype(int)

cols = 3
rows = math.ceil(len(frame.columns) / cols)
fig, axes = plt.subplots(rows, cols, figsize=(10, 3 * rows), sharex=True)
for ax, country in zip(axes.flat, frame.columns):
    series = frame[country]
    ax.plot(series.index, series.values, marker="o", ms=3)
    change = (series.iloc[-1] / series.iloc[0] - 1) * 100
    ax.set_title(f"{country} ({change:+.1f} %)", fontsize=10)
    ax.grid(alpha=0.3)
for ax in list(axes.flat)[len(frame.columns):]:
    ax.set_visible(False)
fig.suptitle("Population (millions), 2015-2023")
fig.tight_layout()
fig.savefig(dst, dpi=110)
print("wrote", dst.name)
