"""The same summary with Polars, written as CSV."""
import os
from pathlib import Path

import polars as pl

out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
df = pl.read_csv(Path(__file__).parent / "data" / "sales.csv")
summary = (
    df.with_columns((pl.col("units") * pl.col("price")).alias("revenue"))
    .group_by("region")
    .agg(pl.col("revenue").sum().alias("total"), pl.col("units").mean().alias("mean_units"))
    .sort("region")
)
summary.write_csv(out / "summary_polars.csv")
print(summary)
