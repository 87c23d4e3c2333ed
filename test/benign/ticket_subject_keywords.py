"""Most frequent words and word pairs in ticket subjects, per category."""
import csv
import json
import os
import re
from collections import Counter, defaultdict
from itertools import pairwise
from pathlib import Path

STOP = {"a", "an", "the", "to", "of", "not", "is", "on", "and", "shows"}
here = Path(__file__).resolve().parent
out_path = Path(os.environ["AIRLOCK_OUTPUT_DIR"]) / "ticket_keywords.json"

words = defaultdict(Counter)
pairs = defaultdict(Counter)
with open(here / "support_tickets.csv", newline="", encoding="utf-8") as fh:
    for row in csv.DictReader(fh):
        tokens = [t for t in re.findall(r"[a-z0-9]+", row["subject"].lower()) if t not in STOP]
        words[row["category"]].update(tokens)
        pairs[row["category"]].update(" ".join(p) for p in pairwise(tokens))

result = {cat: {"words": words[cat].most_common(5), "pairs": pairs[cat].most_common(3)} for cat in sorted(words)}
out_path.write_text(json.dumps(result, indent=2), encoding="utf-8")
for cat, top in result.items():
    print(cat, "->", ", ".join(w for w, _ in top["words"]))
