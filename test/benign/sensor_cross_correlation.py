"""Lagged cross-correlation between two sensors: does s2 follow s1?"""
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

here = Path(__file__).resolve().parent
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

wide = pd.read_csv(here / "sensor_readings.csv", parse_dates=["timestamp"]).pivot_table(index="timestamp", columns="sensor", values="value").dropna()
a = wide.iloc[:, 0].to_numpy()
b = wide.iloc[:, 1].to_numpy()
a = (a - a.mean()) / a.std()
b = (b - b.mean()) / b.std()

max_lag = 12
lags = list(range(-max_lag, max_lag + 1))
corr = []
for lag in lags:
    if lag < 0:
        c = np.mean(a[:lag] * b[-lag:])
    elif lag > 0:
        c = np.mean(a[lag:] * b[:-lag])
    else:
        c = np.mean(a * b)
    corr.append(round(float(c), 4))

best = lags[int(np.argmax(np.abs(corr)))]
(out / "cross_correlation.json").write_text(json.dumps({"sensors": list(wide.columns[:2]), "lags": lags, "corr": corr, "best_lag": best}, indent=2))
print("best lag:", best, "corr:", corr[lags.index(best)])
