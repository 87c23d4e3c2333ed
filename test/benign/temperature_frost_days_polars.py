"""Frost days, warm days and longest cold spell per city, with polars."""
import os
from pathlib import Path

import polars as pl

temps_path = Path(__file__).resolve().parent / "temperatures.csv"
out_dir = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

temps = pl.read_csv(temps_path, try_parse_dates=True).sort(["city", "date"])

# A run id that changes whenever "below zero" flips, so each cold spell is one group.
spells = (
    temps.with_columns((pl.col("temp_c") < 0).alias("frost"))
    .with_columns((pl.col("frost") != pl.col("frost").shift(1).over("city")).fill_null(True).cum_sum().over("city").alias("run"))
    .filter(pl.col("frost"))
    .group_by(["city", "run"])
    .agg(pl.len().alias("days"))
    .group_by("city")
    .agg(pl.col("days").max().alias("longest_cold_spell"))
)

counts = temps.group_by("city").agg(
    (pl.col("temp_c") < 0).sum().alias("frost_days"),
    (pl.col("temp_c") >= 25).sum().alias("warm_days"),
    pl.col("temp_c").mean().round(2).alias("mean_temp"),
)
table = counts.join(spells, on="city", how="left").fill_null(0).sort("city")
table.write_csv(out_dir / "frost_days.csv")
print(table)
