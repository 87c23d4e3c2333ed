"""Which SKUs need reordering? Reads inventory.jsonl (one JSON object per line)."""
import csv
import json
import os
from datetime import date
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "inventory.jsonl"
TARGET = Path(os.environ["AIRLOCK_OUTPUT_DIR"]) / "reorder_list.csv"
TODAY = date(2024, 6, 1)
STALE_AFTER_DAYS = 60

items = []
with SOURCE.open(encoding="utf-8") as fh:
    for lineno, line in enumerate(fh, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as err:
            print(f"skipping line {lineno}: {err}")

to_order = []
for item in items:
    age = (TODAY - date.fromisoformat(item["last_count"])).days
    if item["on_hand"] <= item["reorder_point"] or age > STALE_AFTER_DAYS:
        qty = max(item["reorder_point"] * 2 - item["on_hand"], 0)
        to_order.append({**item, "count_age_days": age, "order_qty": qty, "order_value": round(qty * item["unit_cost"], 2)})

to_order.sort(key=lambda r: (r["warehouse"], -r["order_value"]))
with TARGET.open("w", newline="", encoding="utf-8") as fh:
    writer = csv.DictWriter(fh, fieldnames=list(to_order[0].keys()))
    writer.writeheader()
    writer.writerows(to_order)

by_wh = {}
for r in to_order:
    by_wh[r["warehouse"]] = by_wh.get(r["warehouse"], 0) + r["order_value"]
print(f"{len(to_order)} of {len(items)} SKUs to reorder")
print({k: round(v, 2) for k, v in sorted(by_wh.items())})
