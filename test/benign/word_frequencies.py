"""Word frequencies of the abstracts beside this script: a JSON table and a bar chart."""
import json
import os
import re
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
STOPWORDS = {"the", "and", "a", "of", "on", "to", "we", "in", "by", "as", "is", "but", "that", "are", "two", "three"}

text = (HERE / "abstracts.txt").read_text(encoding="utf-8").lower()
words = [w for w in re.findall(r"[a-z][a-z-]+", text) if w not in STOPWORDS]
counts = Counter(words)
top = counts.most_common(15)

(OUT / "word_counts.json").write_text(json.dumps({"total_words": len(words), "top": top}, indent=2))

labels, values = zip(*top)
plt.figure(figsize=(8, 4))
plt.barh(labels[::-1], values[::-1])
plt.xlabel("occurrences")
plt.title("Most frequent words")
plt.tight_layout()
plt.savefig(OUT / "word_frequencies.png", dpi=120)
for word, n in top:
    print(f"{n:3d} {word}")
