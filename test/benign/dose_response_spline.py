"""Smooth the dose-response curve with a smoothing spline and estimate the ED50."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.interpolate import UnivariateSpline

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

data = pd.read_csv(HERE / "measurements.csv").groupby("dose_mg", as_index=False)["response"].mean()
spline = UnivariateSpline(data["dose_mg"], data["response"], s=len(data))
grid = np.linspace(data["dose_mg"].min(), data["dose_mg"].max(), 300)
fitted = spline(grid)

half = (fitted.max() + fitted.min()) / 2
ed50 = grid[np.argmin(np.abs(fitted - half))]

plt.figure(figsize=(6, 4))
plt.scatter(data["dose_mg"], data["response"], s=15, label="mean response")
plt.plot(grid, fitted, color="tab:orange", label="smoothing spline")
plt.axvline(ed50, ls="--", color="grey", label=f"ED50 ≈ {ed50:.1f} mg")
plt.xlabel("dose (mg)")
plt.ylabel("response")
plt.legend()
plt.tight_layout()
plt.savefig(OUT / "dose_response_spline.png", dpi=120)
pd.DataFrame({"dose_mg": grid, "fitted": fitted}).round(4).to_csv(OUT / "spline_fit.csv", index=False)
print(f"ED50 ≈ {ed50:.2f} mg")
