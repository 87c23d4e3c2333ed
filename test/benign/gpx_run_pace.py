"""Distance, pace and elevation gain from a GPX track (XML) with the standard library."""
import json
import math
import os
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

NS = {"gpx": "http://www.topografix.com/GPX/1/1"}
track = Path(__file__).resolve().parent / "morning_run.gpx"
out_dir = Path(os.environ["AIRLOCK_OUTPUT_DIR"])


def haversine_m(lat1, lon1, lat2, lon2):
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


root = ET.parse(track).getroot()
points = []
for pt in root.iterfind(".//gpx:trkpt", NS):
    points.append(
        (
            float(pt.get("lat")),
            float(pt.get("lon")),
            float(pt.findtext("gpx:ele", namespaces=NS)),
            datetime.fromisoformat(pt.findtext("gpx:time", namespaces=NS).replace("Z", "+00:00")),
        )
    )

distance = sum(haversine_m(a[0], a[1], b[0], b[1]) for a, b in zip(points, points[1:]))
gain = sum(max(b[2] - a[2], 0.0) for a, b in zip(points, points[1:]))
seconds = (points[-1][3] - points[0][3]).total_seconds()
pace = seconds / 60 / (distance / 1000)

result = {"points": len(points), "distance_km": round(distance / 1000, 3), "elevation_gain_m": round(gain, 1), "duration_min": round(seconds / 60, 1), "pace_min_per_km": round(pace, 2)}
(out_dir / "run_summary.json").write_text(json.dumps(result, indent=2))
print(result)
