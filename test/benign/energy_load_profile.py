"""Average load profile per building: weekday x hour heatmap and weekend/weekday ratio."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

energy = pd.read_csv(HERE / "energy_hourly.csv", parse_dates=["timestamp"])
energy["weekday"] = energy["timestamp"].dt.day_name().str[:3]
energy["hour"] = energy["timestamp"].dt.hour
order = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for ax, (building, frame) in zip(axes, energy.groupby("building")):
    grid = frame.pivot_table(index="weekday", columns="hour", values="kwh", aggfunc="mean").reindex(order)
    im = ax.imshow(grid.values, aspect="auto", cmap="viridis")
    ax.set_title(f"{building}: mean kWh")
    ax.set_yticks(range(len(order)), order)
    ax.set_xlabel("hour of day")
    fig.colorbar(im, ax=ax, shrink=0.8)
fig.tight_layout()
fig.savefig(OUT / "load_profile.png", dpi=110)

is_weekend = energy["timestamp"].dt.dayofweek >= 5
ratio = energy[is_weekend].groupby("building")["kwh"].mean() / energy[~is_weekend].groupby("building")["kwh"].mean()
ratio.rename("weekend_to_weekday").round(3).to_csv(OUT / "weekend_ratio.csv")
print(ratio.round(3))
