"""Mean coffee consumption per team with a bootstrap; the resample count is configurable."""
import os
from pathlib import Path

import numpy as np
import pandas as pd

# Lets a pipeline shrink the run for quick checks: BOOTSTRAP_SAMPLES=200 python ...
SAMPLES = int(os.environ.get("BOOTSTRAP_SAMPLES", "1000"))
HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

survey = pd.read_csv(HERE / "survey.csv")
rng = np.random.default_rng(5)
rows = []
for team, grp in survey.groupby("team"):
    cups = grp["coffee_cups"].to_numpy()
    boots = rng.choice(cups, size=(SAMPLES, cups.size)).mean(axis=1)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    rows.append({"team": team, "n": cups.size, "mean_cups": round(cups.mean(), 2), "ci_low": round(lo, 2), "ci_high": round(hi, 2)})

table = pd.DataFrame(rows)
table.to_csv(OUT / "coffee_by_team.csv", index=False)
print(f"{SAMPLES} bootstrap samples")
print(table.to_string(index=False))
