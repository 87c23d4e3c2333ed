"""Betweenness centrality of a small collaboration graph (NetworkX), drawn to PNG."""
import json
import os
from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx

out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
g = nx.Graph()
g.add_edges_from([
    ("ana", "ben"), ("ana", "cai"), ("ben", "cai"), ("cai", "dev"),
    ("dev", "eli"), ("eli", "fay"), ("dev", "fay"), ("fay", "gus"),
])
centrality = nx.betweenness_centrality(g)
(out / "centrality.json").write_text(json.dumps(centrality, indent=2, sort_keys=True))

pos = nx.spring_layout(g, seed=7)
nx.draw(g, pos, with_labels=True, node_color=[centrality[n] for n in g], cmap="viridis")
plt.savefig(out / "graph.png", dpi=100)
print("most central:", max(centrality, key=centrality.get))
