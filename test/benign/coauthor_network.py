"""Co-authorship network: centrality measures, communities and a drawing."""
import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

edges = pd.read_csv(HERE / "collaborations.csv")
graph = nx.from_pandas_edgelist(edges, "source", "target", edge_attr="papers")

degree = nx.degree_centrality(graph)
betweenness = nx.betweenness_centrality(graph, weight="papers")
communities = nx.algorithms.community.greedy_modularity_communities(graph, weight="papers")

table = pd.DataFrame({"degree": degree, "betweenness": betweenness}).sort_values("betweenness", ascending=False)
table.round(4).to_csv(OUT / "centrality.csv", index_label="author")

summary = {
    "authors": graph.number_of_nodes(),
    "collaborations": graph.number_of_edges(),
    "density": round(nx.density(graph), 4),
    "communities": [sorted(c) for c in communities],
    "most_central": table.index[0],
}
(OUT / "network_summary.json").write_text(json.dumps(summary, indent=2))

colour_of = {node: i for i, community in enumerate(communities) for node in community}
positions = nx.spring_layout(graph, seed=42)
plt.figure(figsize=(6, 6))
nx.draw_networkx(
    graph,
    positions,
    node_color=[colour_of[n] for n in graph.nodes],
    cmap="tab10",
    width=[graph.edges[e]["papers"] * 0.6 for e in graph.edges],
)
plt.axis("off")
plt.savefig(OUT / "coauthors.png", dpi=120, bbox_inches="tight")
print(json.dumps(summary, indent=2))
