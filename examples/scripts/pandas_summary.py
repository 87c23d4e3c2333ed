"""Per-region summary statistics with pandas, written as CSV."""
import os
from pathlib import Path

import pandas as pd

out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
df = pd.read_csv(Path(__file__).parent / "data" / "sales.csv")
df["revenue"] = df["units"] * df["price"]
summary = df.groupby("region")["revenue"].agg(["sum", "mean", "max"]).round(2)
summary.to_csv(out / "summary_pandas.csv")
print(summary.to_string())
