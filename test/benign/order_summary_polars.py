"""Paid revenue per category and top customers, with polars."""
import os
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

orders = pl.read_csv(HERE / "orders.csv")
paid = orders.filter(pl.col("status") == "paid")

by_category = (
    paid.group_by("category")
    .agg(
        pl.len().alias("orders"),
        pl.col("amount").sum().round(2).alias("revenue"),
        pl.col("amount").mean().round(2).alias("mean_order"),
    )
    .sort("revenue", descending=True)
)
by_category.write_csv(OUT / "revenue_by_category.csv")

top_customers = (
    paid.group_by("customer")
    .agg(pl.col("amount").sum().round(2).alias("spent"))
    .sort("spent", descending=True)
    .head(5)
)
top_customers.write_csv(OUT / "top_customers.csv")

status_counts = orders.group_by("status").agg(pl.len().alias("n")).sort("status")
print(by_category)
print(top_customers)
print(status_counts)
