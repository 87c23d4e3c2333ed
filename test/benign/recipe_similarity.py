"""Jaccard similarity between recipes by their ingredient sets."""
import csv
import json
import os
from itertools import combinations
from pathlib import Path

recipes = json.loads(Path(__file__).with_name("recipes.json").read_text())
out_file = Path(os.environ["AIRLOCK_OUTPUT_DIR"]) / "recipe_similarity.csv"


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


scores = []
for (r1, i1), (r2, i2) in combinations(sorted(recipes.items()), 2):
    scores.append((r1, r2, round(jaccard(set(i1), set(i2)), 3)))
scores.sort(key=lambda s: -s[2])

with out_file.open("w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["recipe_a", "recipe_b", "jaccard"])
    w.writerows(scores)

for r1, r2, s in scores[:5]:
    print(f"{r1:>10} ~ {r2:<10} {s:.2f}")
