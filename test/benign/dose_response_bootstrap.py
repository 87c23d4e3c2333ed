"""Bootstrap confidence interval for the dose-response slope (seeded, reproducible)."""
import csv
import json
import os
import random
import statistics
from pathlib import Path

random.seed(1234)
here = Path(__file__).resolve().parent
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

with open(here / "measurements.csv", newline="") as fh:
    pairs = [(float(r["dose_mg"]), float(r["response"])) for r in csv.DictReader(fh)]


def slope(sample):
    xs, ys = zip(*sample)
    return statistics.linear_regression(xs, ys).slope


point = slope(pairs)
boots = sorted(slope(random.choices(pairs, k=len(pairs))) for _ in range(2000))
ci = (boots[int(0.025 * len(boots))], boots[int(0.975 * len(boots))])

result = {"n": len(pairs), "slope": round(point, 4), "ci95": [round(ci[0], 4), round(ci[1], 4)], "replicates": len(boots)}
(out / "slope_bootstrap.json").write_text(json.dumps(result, indent=2))
print(result)
