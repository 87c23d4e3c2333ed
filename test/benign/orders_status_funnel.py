"""Order status funnel per category with a polars lazy query."""
import json
import os
from pathlib import Path

import polars as pl

SRC = Path(__file__).resolve().parent / "orders.csv"
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

summary = (
    pl.scan_csv(SRC)
    .group_by("category")
    .agg(
        pl.len().alias("orders"),
        (pl.col("status") == "paid").sum().alias("paid"),
        (pl.col("status") == "refunded").sum().alias("refunded"),
        pl.col("amount").filter(pl.col("status") == "paid").sum().round(2).alias("paid_amount"),
    )
    .with_columns((pl.col("paid") / pl.col("orders")).round(3).alias("paid_rate"))
    .sort("paid_amount", descending=True)
    .collect()
)
summary.write_csv(OUT / "order_funnel.csv")
(OUT / "order_funnel.json").write_text(json.dumps(summary.to_dicts(), indent=2))
print(summary)
