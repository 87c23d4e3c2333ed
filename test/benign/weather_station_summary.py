"""Summarise nested weather-station JSON: per-station extremes and a lapse-rate fit."""
import json
import os
import statistics
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

with open(HERE / "weather_stations.json", encoding="utf-8") as fh:
    payload = json.load(fh)

rows = []
for st in payload["stations"]:
    temps = [o["temp_c"] for o in st["observations"]]
    rows.append(
        {
            "station": st["name"],
            "elevation_m": st["elevation_m"],
            "mean_temp_c": round(statistics.fmean(temps), 2),
            "min_temp_c": min(temps),
            "max_temp_c": max(temps),
            "total_precip_mm": round(sum(o["precip_mm"] for o in st["observations"]), 1),
            "max_wind_ms": max(o["wind_ms"] for o in st["observations"]),
        }
    )

# Temperature drop per 1000 m: a least-squares slope over the stations.
slope, intercept = statistics.linear_regression([r["elevation_m"] for r in rows], [r["mean_temp_c"] for r in rows])
summary = {"generated": payload["generated"], "stations": rows, "lapse_rate_c_per_km": round(-slope * 1000, 2)}
(OUT / "station_summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
for r in sorted(rows, key=lambda r: r["elevation_m"]):
    print(f"{r['station']:<10} {r['elevation_m']:>5} m  {r['mean_temp_c']:>6.1f} °C")
print("lapse rate:", summary["lapse_rate_c_per_km"], "°C/km")
