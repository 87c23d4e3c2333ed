"""A/B test: conversion rates per variant, a two-proportion z-test and a bootstrap CI."""
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

df = pd.read_csv(HERE / "ab_test.csv")
summary = df.groupby("variant").agg(users=("user_id", "count"), conversions=("converted", "sum"), revenue=("revenue", "sum"))
summary["rate"] = summary["conversions"] / summary["users"]
print(summary)

a, b = summary.loc["A"], summary.loc["B"]
pooled = (a.conversions + b.conversions) / (a.users + b.users)
se = math.sqrt(pooled * (1 - pooled) * (1 / a.users + 1 / b.users))
z = (b.rate - a.rate) / se
p_value = math.erfc(abs(z) / math.sqrt(2))

rng = np.random.default_rng(11)
conv_a = df.loc[df.variant == "A", "converted"].to_numpy()
conv_b = df.loc[df.variant == "B", "converted"].to_numpy()
diffs = [rng.choice(conv_b, conv_b.size).mean() - rng.choice(conv_a, conv_a.size).mean() for _ in range(2000)]
low, high = np.percentile(diffs, [2.5, 97.5])

result = {
    "rate_a": round(float(a.rate), 4),
    "rate_b": round(float(b.rate), 4),
    "lift": round(float(b.rate / a.rate - 1), 4),
    "z": round(z, 3),
    "p_value": round(p_value, 4),
    "bootstrap_ci_95": [round(float(low), 4), round(float(high), 4)],
    "significant_at_5pct": bool(p_value < 0.05),
}
(OUT / "ab_test_result.json").write_text(json.dumps(result, indent=2))
print(json.dumps(result, indent=2))
