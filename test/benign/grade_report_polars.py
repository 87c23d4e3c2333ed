"""Per-class grade report with polars: means, pass rates and attendance correlation."""
import os
from pathlib import Path

import polars as pl

SRC = Path(__file__).resolve().parent / "grades.csv"
DEST = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
SUBJECTS = ["math", "physics", "literature"]
PASS_MARK = 50

grades = pl.read_csv(SRC).with_columns(pl.mean_horizontal(SUBJECTS).alias("average"))

report = (
    grades.group_by("class")
    .agg(
        pl.len().alias("students"),
        *[pl.col(s).mean().round(1).alias(f"{s}_mean") for s in SUBJECTS],
        *[(pl.col(s) >= PASS_MARK).mean().round(3).alias(f"{s}_pass_rate") for s in SUBJECTS],
        pl.corr("attendance", "average").round(3).alias("attendance_vs_average"),
    )
    .sort("class")
)
report.write_csv(DEST / "grade_report.csv")

top = grades.sort("average", descending=True).head(10).select(["student", "class", "average"])
top.write_json(DEST / "top_students.json")
print(report)
print(top)
