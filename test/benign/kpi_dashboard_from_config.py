"""KPI tiles driven by a YAML config (yaml.safe_load) next to the script."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

config = yaml.safe_load((HERE / "report_config.yaml").read_text(encoding="utf-8"))
values = {}
for kpi in config["kpis"]:
    frame = pd.read_csv(HERE / kpi["source"])
    if "weight" in kpi:
        values[kpi["name"]] = float((frame[kpi["column"]] * frame[kpi["weight"]]).sum())
    else:
        values[kpi["name"]] = float(frame[kpi["column"]].mean())

fig, axes = plt.subplots(1, len(values), figsize=(4 * len(values), 2.5))
for ax, (name, value) in zip(axes, values.items()):
    ok = value >= config["thresholds"].get(name, 0)
    ax.text(0.5, 0.55, f"{value:,.0f} {config['currency']}", ha="center", va="center", fontsize=20, color="green" if ok else "red")
    ax.text(0.5, 0.15, name, ha="center", fontsize=11)
    ax.axis("off")
fig.suptitle(config["title"])
fig.savefig(OUT / "kpi_tiles.png", dpi=110, bbox_inches="tight")
print(values)
