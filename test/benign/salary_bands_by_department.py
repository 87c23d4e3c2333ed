"""Salary bands per department: quartiles, spread and tenure relationship."""
import os
from datetime import date

import pandas as pd

out_dir = os.environ["AIRLOCK_OUTPUT_DIR"]
script_dir = os.path.dirname(os.path.abspath(__file__))

staff = pd.read_csv(os.path.join(script_dir, "employees.csv"), parse_dates=["hired"])
staff["tenure_years"] = (pd.Timestamp(date(2024, 6, 30)) - staff["hired"]).dt.days / 365.25

bands = staff.groupby("department")["salary"].describe(percentiles=[0.25, 0.5, 0.75])
bands["iqr"] = bands["75%"] - bands["25%"]
bands = bands[["count", "min", "25%", "50%", "75%", "max", "iqr"]].astype(int)

corr = staff[["salary", "tenure_years", "rating"]].corr().round(3)

report_path = os.path.join(out_dir, "salary_bands.md")
with open(report_path, "w", encoding="utf-8") as fh:
    fh.write("# Salary bands by department\n\n")
    fh.write(bands.to_string())
    fh.write("\n\n## Correlations\n\n")
    fh.write(corr.to_string())
    fh.write("\n")

print(bands)
print(corr)
