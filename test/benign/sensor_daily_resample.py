"""Hourly sensor readings resampled to daily min/mean/max, with a gap check."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

readings = pd.read_csv(HERE / "sensor_readings.csv", parse_dates=["timestamp"])
readings = readings.set_index("timestamp").sort_index()

daily = readings.groupby("sensor")["value"].resample("D").agg(["min", "mean", "max"]).round(2)
daily.to_csv(OUT / "daily_by_sensor.csv")

expected_hours = pd.date_range(readings.index.min(), readings.index.max(), freq="h")
gaps = {
    sensor: int(len(expected_hours.difference(group.index)))
    for sensor, group in readings.groupby("sensor")
}

fig, ax = plt.subplots(figsize=(9, 4))
for sensor, frame in daily.groupby(level="sensor"):
    frame = frame.droplevel("sensor")
    ax.plot(frame.index, frame["mean"], label=f"{sensor} mean")
    ax.fill_between(frame.index, frame["min"], frame["max"], alpha=0.2)
ax.set_ylabel("value")
ax.legend()
fig.autofmt_xdate()
fig.savefig(OUT / "sensor_daily.png", dpi=120, bbox_inches="tight")
print(daily.head(10))
print("missing hours per sensor:", gaps)
