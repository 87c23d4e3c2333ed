"""ABC classification of inventory value (pandas.read_json with lines=True)."""
import os
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

inv = pd.read_json(HERE / "inventory.jsonl", lines=True)
inv["stock_value"] = inv["on_hand"] * inv["unit_cost"]
inv = inv.sort_values("stock_value", ascending=False)
inv["cum_share"] = inv["stock_value"].cumsum() / inv["stock_value"].sum()
inv["abc"] = pd.cut(inv["cum_share"], bins=[0, 0.7, 0.9, 1.0], labels=["A", "B", "C"], include_lowest=True)

summary = inv.groupby(["warehouse", "abc"], observed=True).agg(skus=("sku", "count"), value=("stock_value", "sum")).round(2)
summary.to_csv(OUT / "abc_by_warehouse.csv")
inv[["sku", "warehouse", "stock_value", "abc"]].to_csv(OUT / "abc_classes.csv", index=False)
print(inv["abc"].value_counts().sort_index())
print(summary)
