"""Monthly revenue with a linear trend and a naive 3-month forecast."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

sales = pd.read_csv(HERE / "sales.csv", parse_dates=["date"])
sales["revenue"] = sales["units"] * sales["unit_price"]
monthly = sales.set_index("date")["revenue"].resample("MS").sum()

x = np.arange(len(monthly))
slope, intercept = np.polyfit(x, monthly.values, 1)
future_x = np.arange(len(monthly), len(monthly) + 3)
future_index = pd.date_range(monthly.index[-1] + pd.offsets.MonthBegin(), periods=3, freq="MS")
forecast = pd.Series(intercept + slope * future_x, index=future_index)
residual_sd = np.std(monthly.values - (intercept + slope * x), ddof=2) if len(monthly) > 2 else 0.0

table = pd.concat([monthly.rename("actual"), forecast.rename("forecast")], axis=1)
table["low"] = table["forecast"] - 1.96 * residual_sd
table["high"] = table["forecast"] + 1.96 * residual_sd
table.round(2).to_csv(OUT / "monthly_forecast.csv")

fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(monthly.index, monthly.values, marker="o", label="actual")
ax.plot(forecast.index, forecast.values, marker="o", ls="--", label="trend forecast")
ax.fill_between(forecast.index, table["low"].dropna(), table["high"].dropna(), alpha=0.2)
ax.legend()
ax.set_title(f"Monthly revenue, trend {slope:+.1f} per month")
fig.autofmt_xdate()
fig.tight_layout()
fig.savefig(OUT / "monthly_forecast.png", dpi=110)
print(table.round(1))
