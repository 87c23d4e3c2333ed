"""Wind speed by hour for every station on a polar chart (one spoke per 3-hour reading)."""
import json
import math
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

src = Path(__file__).resolve().parent / "weather_stations.json"
dst = Path(os.environ["AIRLOCK_OUTPUT_DIR"]) / "wind_by_hour.png"

stations = json.loads(src.read_text(encoding="utf-8"))["stations"]
fig = plt.figure(figsize=(6, 6))
ax = fig.add_subplot(projection="polar")
for st in stations:
    obs = [o for o in st["observations"] if o["hour"] < 24]
    angles = [2 * math.pi * o["hour"] / 24 for o in obs]
    speeds = [o["wind_ms"] for o in obs]
    ax.plot(angles + angles[:1], speeds + speeds[:1], label=st["name"])
ax.set_theta_zero_location("N")
ax.set_theta_direction(-1)
ax.set_xticks([2 * math.pi * h / 24 for h in range(0, 24, 3)], [f"{h:02d}h" for h in range(0, 24, 3)])
ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.1), fontsize=8)
fig.savefig(dst, dpi=110, bbox_inches="tight")
print("wrote", dst.name)
