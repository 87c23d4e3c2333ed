"""Transactions by local hour and weekday (UTC timestamps converted to Europe/Berlin)."""
import os
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

tx = pd.read_csv(HERE / "transactions.csv", parse_dates=["timestamp"])
tx["local"] = tx["timestamp"].dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin")
tx["hour"] = tx["local"].dt.hour
tx["weekday"] = tx["local"].dt.day_name()

by_hour = tx.pivot_table(index="hour", columns="channel", values="amount", aggfunc="count", fill_value=0)
by_day = tx.groupby("weekday")["amount"].agg(["count", "sum", "median"]).round(2)
by_hour.to_csv(OUT / "transactions_by_hour.csv")
by_day.to_csv(OUT / "transactions_by_weekday.csv")
print(by_day)
print("busiest hour:", int(by_hour.sum(axis=1).idxmax()))
