"""Trend and weekly seasonality of daily units sold, by moving averages (no statsmodels needed)."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

sales = pd.read_csv(HERE / "sales.csv", parse_dates=["date"])
daily = sales.groupby("date")["units"].sum().asfreq("D", fill_value=0)

trend = daily.rolling(window=28, center=True, min_periods=14).mean()
detrended = daily - trend
weekday_effect = detrended.groupby(daily.index.dayofweek).mean()
seasonal = pd.Series(weekday_effect.reindex(daily.index.dayofweek).to_numpy(), index=daily.index)
residual = daily - trend - seasonal

components = pd.DataFrame({"observed": daily, "trend": trend, "seasonal": seasonal, "residual": residual})
components.round(3).to_csv(OUT / "decomposition.csv", index_label="date")

fig, axes = plt.subplots(4, 1, figsize=(9, 8), sharex=True)
for ax, name in zip(axes, components.columns):
    ax.plot(components.index, components[name])
    ax.set_ylabel(name)
axes[-1].set_xlabel("date")
fig.tight_layout()
fig.savefig(OUT / "decomposition.png", dpi=120)
print("weekday effect (Mon=0):", np.round(weekday_effect.to_numpy(), 2).tolist())
