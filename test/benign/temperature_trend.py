"""Daily temperatures per city with a 14-day rolling mean."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

temps = pd.read_csv(HERE / "temperatures.csv", parse_dates=["date"])
wide = temps.pivot(index="date", columns="city", values="temp_c").sort_index()
rolling = wide.rolling(window=14, min_periods=7).mean()

fig, ax = plt.subplots(figsize=(10, 4))
for city in wide.columns:
    ax.plot(wide.index, wide[city], alpha=0.3, label=f"{city} (daily)")
    ax.plot(rolling.index, rolling[city], linewidth=2, label=f"{city} (14-day mean)")
ax.set_ylabel("°C")
ax.legend(loc="upper left", fontsize="small")
ax.set_title("Temperature trend")
fig.autofmt_xdate()
fig.savefig(OUT / "temperature_trend.png", dpi=120, bbox_inches="tight")

summary = wide.agg(["min", "mean", "max"]).T.round(1)
summary.to_csv(OUT / "temperature_summary.csv")
print(summary)
