"""Shortest road distances between cities (Dijkstra) and the all-pairs distance matrix."""
import json
import os
from pathlib import Path

import networkx as nx
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

roads = pd.read_csv(HERE / "routes.csv")
graph = nx.Graph()
for row in roads.itertuples(index=False):
    graph.add_edge(row.origin, row.destination, km=row.km)

route = nx.shortest_path(graph, "Aachen", "Frankfurt", weight="km")
length = nx.shortest_path_length(graph, "Aachen", "Frankfurt", weight="km")

cities = sorted(graph.nodes)
lengths = dict(nx.all_pairs_dijkstra_path_length(graph, weight="km"))
matrix = pd.DataFrame([[lengths[a][b] for b in cities] for a in cities], index=cities, columns=cities)
matrix.to_csv(OUT / "distance_matrix.csv")

result = {"from": "Aachen", "to": "Frankfurt", "route": route, "km": length}
(OUT / "route.json").write_text(json.dumps(result, indent=2))
print(f"{' -> '.join(route)}: {length} km")
