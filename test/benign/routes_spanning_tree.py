"""Minimum spanning tree of the road network: the cheapest set of roads connecting every city."""
import os
from pathlib import Path

import networkx as nx
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

roads = pd.read_csv(HERE / "routes.csv")
g = nx.from_pandas_edgelist(roads, "origin", "destination", edge_attr="km")
mst = nx.minimum_spanning_tree(g, weight="km")

total = sum(d["km"] for _, _, d in g.edges(data=True))
kept = sum(d["km"] for _, _, d in mst.edges(data=True))
print(f"all roads {total} km, spanning tree {kept} km ({kept / total:.0%})")

with open(OUT / "spanning_tree.dot", "w", encoding="utf-8") as dot:
    dot.write("graph roads {\n  node [shape=ellipse];\n")
    for a, b, d in g.edges(data=True):
        style = "bold" if mst.has_edge(a, b) else "dashed"
        dot.write(f'  "{a}" -- "{b}" [label="{d["km"]}", style={style}];\n')
    dot.write("}\n")

pd.DataFrame([(a, b, d["km"]) for a, b, d in mst.edges(data=True)], columns=["a", "b", "km"]).to_csv(OUT / "spanning_tree.csv", index=False)
