"""Reshape wide population data to long form and compute growth rates (CAGR)."""
import os
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

wide = pd.read_csv(HERE / "population_wide.csv")
long = wide.melt(id_vars="country", var_name="year", value_name="population_m")
long["year"] = long["year"].astype(int)
long = long.sort_values(["country", "year"])
long["yoy_pct"] = long.groupby("country")["population_m"].pct_change() * 100
long.to_csv(OUT / "population_long.csv", index=False)

first = long.groupby("country").first()
last = long.groupby("country").last()
years = last["year"] - first["year"]
cagr = ((last["population_m"] / first["population_m"]) ** (1 / years) - 1) * 100
table = pd.DataFrame({"start": first["population_m"], "end": last["population_m"], "cagr_pct": cagr.round(3)}).sort_values("cagr_pct", ascending=False)
table.to_csv(OUT / "population_cagr.csv")
print(table)
