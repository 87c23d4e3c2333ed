"""RFM (recency, frequency, monetary) customer segments from transactions.csv."""
import os
from pathlib import Path

import pandas as pd

base = Path(__file__).parent
out = Path(os.environ.get("AIRLOCK_OUTPUT_DIR", "out"))
out.mkdir(parents=True, exist_ok=True)

tx = pd.read_csv(base / "transactions.csv", parse_dates=["timestamp"])
snapshot = tx["timestamp"].max() + pd.Timedelta(days=1)

rfm = tx.groupby("customer").agg(
    recency=("timestamp", lambda s: (snapshot - s.max()).days),
    frequency=("tx_id", "count"),
    monetary=("amount", "sum"),
)
# Quintile scores; rank first so ties do not break qcut.
rfm["r"] = pd.qcut(rfm["recency"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1]).astype(int)
rfm["f"] = pd.qcut(rfm["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
rfm["m"] = pd.qcut(rfm["monetary"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)


def segment(row) -> str:
    if row.r >= 4 and row.f >= 4:
        return "champions"
    if row.r >= 3 and row.f >= 3:
        return "loyal"
    if row.r <= 2 and row.f >= 3:
        return "at risk"
    if row.r >= 4:
        return "new"
    return "hibernating"


rfm["segment"] = rfm.apply(segment, axis=1)
rfm.sort_values(["segment", "monetary"], ascending=[True, False]).to_csv(out / "rfm.csv")
print(rfm["segment"].value_counts())
print(rfm.groupby("segment")[["recency", "frequency", "monetary"]].mean().round(1))
