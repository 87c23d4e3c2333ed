"""Flag unusual hourly consumption: robust z-score against the same hour of the same weekday."""
import os
from pathlib import Path

import numpy as np
import pandas as pd

data_file = Path(__file__).parent / "energy_hourly.csv"
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

df = pd.read_csv(data_file, parse_dates=["timestamp"])
df["slot"] = df["timestamp"].dt.dayofweek * 24 + df["timestamp"].dt.hour

grouped = df.groupby(["building", "slot"])["kwh"]
median = grouped.transform("median")
mad = grouped.transform(lambda s: np.median(np.abs(s - s.median())))
df["robust_z"] = 0.6745 * (df["kwh"] - median) / mad.replace(0, np.nan)

THRESHOLD = 3.5
anomalies = df.loc[df["robust_z"].abs() > THRESHOLD, ["timestamp", "building", "kwh", "robust_z"]]
anomalies.to_csv(out / "energy_anomalies.csv", index=False)
print(f"{len(anomalies)} anomalous hours out of {len(df)}")
print(anomalies.sort_values("robust_z", key=np.abs, ascending=False).head(10).to_string(index=False))
