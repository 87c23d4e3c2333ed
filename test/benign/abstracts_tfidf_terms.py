"""Distinctive terms per abstract paragraph with a hand-rolled TF-IDF."""
import json
import math
import os
import re
from collections import Counter
from pathlib import Path

text = (Path(__file__).resolve().parent / "abstracts.txt").read_text(encoding="utf-8")
out_file = Path(os.environ["AIRLOCK_OUTPUT_DIR"]) / "tfidf_terms.json"
STOPWORDS = set("a an and are as at be by for from in is it of on or that the this to we with which".split())

# Paragraphs are separated by blank lines; a single-paragraph file is split into sentences instead.
docs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
if len(docs) < 2:
    docs = [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
tokenised = [[w for w in re.findall(r"[a-z][a-z-]+", d.lower()) if w not in STOPWORDS] for d in docs]

df = Counter()
for toks in tokenised:
    df.update(set(toks))
n_docs = len(tokenised)

top_terms = []
for i, toks in enumerate(tokenised):
    tf = Counter(toks)
    scores = {w: (c / len(toks)) * math.log((1 + n_docs) / (1 + df[w])) for w, c in tf.items()}
    top_terms.append({"doc": i, "terms": [w for w, _ in sorted(scores.items(), key=lambda kv: -kv[1])[:5]]})

out_file.write_text(json.dumps(top_terms, indent=2), encoding="utf-8")
for row in top_terms:
    print(row["doc"], ", ".join(row["terms"]))
