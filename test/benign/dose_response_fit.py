"""Least-squares line through dose/response measurements, with residual diagnostics."""
import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

data = pd.read_csv(HERE / "measurements.csv")
x = data["dose_mg"].to_numpy()
y = data["response"].to_numpy()

slope, intercept = np.polyfit(x, y, deg=1)
predicted = slope * x + intercept
residuals = y - predicted
ss_res = float(np.sum(residuals**2))
ss_tot = float(np.sum((y - y.mean()) ** 2))
r_squared = 1.0 - ss_res / ss_tot

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.scatter(x, y, s=14, label="measured")
left.plot(x, predicted, color="crimson", label=f"fit: y = {slope:.3f}x + {intercept:.2f}")
left.set_xlabel("dose (mg)")
left.set_ylabel("response")
left.legend()
right.scatter(predicted, residuals, s=14)
right.axhline(0, color="grey", linewidth=1)
right.set_xlabel("predicted")
right.set_ylabel("residual")
fig.tight_layout()
fig.savefig(OUT / "dose_response.png", dpi=120)

result = {"slope": slope, "intercept": intercept, "r_squared": r_squared, "n": int(len(x))}
(OUT / "fit.json").write_text(json.dumps(result, indent=2))
print(json.dumps(result, indent=2))
