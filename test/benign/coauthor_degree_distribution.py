"""Degree distribution and clustering of the co-author network."""
import json
import os
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx

here = Path(__file__).resolve().parent
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

g = nx.Graph()
with open(here / "collaborations.csv", encoding="utf-8") as fh:
    next(fh)
    for line in fh:
        a, b, papers = line.strip().split(",")
        g.add_edge(a, b, papers=int(papers))

degrees = Counter(dict(g.degree()).values())
stats = {
    "nodes": g.number_of_nodes(),
    "edges": g.number_of_edges(),
    "density": round(nx.density(g), 4),
    "average_clustering": round(nx.average_clustering(g), 4),
    "components": nx.number_connected_components(g),
    "degree_histogram": dict(sorted(degrees.items())),
}
(out / "network_stats.json").write_text(json.dumps(stats, indent=2))

xs, ys = zip(*sorted(degrees.items()))
plt.figure(figsize=(5, 4))
plt.bar(xs, ys)
plt.xlabel("degree")
plt.ylabel("authors")
plt.title("Co-author degree distribution")
plt.tight_layout()
plt.savefig(out / "degree_distribution.png", dpi=120)
print(stats)
