"""Support ticket resolution times by category and priority (polars), open backlog."""
import os
from pathlib import Path

import polars as pl

tickets_csv = Path(__file__).resolve().parent / "support_tickets.csv"
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

tickets = pl.read_csv(tickets_csv).with_columns(
    pl.col("opened").str.to_datetime("%Y-%m-%dT%H:%M"),
    pl.col("closed").str.to_datetime("%Y-%m-%dT%H:%M", strict=False),
)
closed = tickets.filter(pl.col("closed").is_not_null()).with_columns(
    ((pl.col("closed") - pl.col("opened")).dt.total_minutes() / 60).alias("hours_to_close")
)

by_group = (
    closed.group_by(["category", "priority"])
    .agg(
        pl.len().alias("tickets"),
        pl.col("hours_to_close").median().round(1).alias("median_hours"),
        pl.col("hours_to_close").quantile(0.9).round(1).alias("p90_hours"),
    )
    .sort(["category", "priority"])
)
by_group.write_csv(out / "resolution_times.csv")

backlog = tickets.filter(pl.col("closed").is_null()).group_by("category").agg(pl.len().alias("open")).sort("open", descending=True)
print(by_group)
print("open backlog:")
print(backlog)
