"""Daily temperature anomalies against each city's 15-day centred climatology."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

temps = pd.read_csv(HERE / "temperatures.csv", parse_dates=["date"]).sort_values(["city", "date"])
temps["baseline"] = temps.groupby("city")["temp_c"].transform(lambda s: s.rolling(15, center=True, min_periods=5).mean())
temps["anomaly"] = temps["temp_c"] - temps["baseline"]

extremes = temps.loc[temps.groupby("city")["anomaly"].idxmax(), ["city", "date", "temp_c", "anomaly"]]
extremes.round(2).to_csv(OUT / "warmest_anomalies.csv", index=False)

fig, ax = plt.subplots(figsize=(9, 4))
for city, grp in temps.groupby("city"):
    ax.plot(grp["date"], grp["anomaly"], lw=0.8, label=city)
ax.axhline(0, color="black", lw=0.6)
ax.set_ylabel("anomaly (°C)")
ax.legend(ncol=3, fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "temperature_anomalies.png", dpi=110)
print(extremes.round(2).to_string(index=False))
