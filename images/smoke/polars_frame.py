import os

from _smoke import OUT, check, report

try:
    import polars as pl
except ImportError as e:
    report("fail", f"polars is not importable: {e}")

df = pl.DataFrame({"k": ["x", "y", "x"], "v": [1, 2, 3]})
agg = df.group_by("k").agg(pl.col("v").sum()).sort("k")
path = os.path.join(OUT, "frame.parquet")
agg.write_parquet(path)
back = pl.read_parquet(path)
check(back["v"].to_list() == [4, 2], f"polars {pl.__version__}: group_by + Parquet", file="frame.parquet")
