"""Which ingredients go together? Bipartite recipe-ingredient graph projected onto ingredients."""
import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
from networkx.algorithms import bipartite

here = Path(__file__).resolve().parent
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
recipes = json.loads((here / "recipes.json").read_text(encoding="utf-8"))

b = nx.Graph()
b.add_nodes_from(recipes, kind="recipe")
for recipe, ingredients in recipes.items():
    for ing in ingredients:
        b.add_node(ing, kind="ingredient")
        b.add_edge(recipe, ing)

ingredients = {n for n, d in b.nodes(data=True) if d["kind"] == "ingredient"}
g = bipartite.weighted_projected_graph(b, ingredients)
strongest = sorted(g.edges(data="weight"), key=lambda e: -e[2])[:8]
centrality = nx.degree_centrality(g)

with open(out / "ingredient_pairs.csv", "w", encoding="utf-8") as fh:
    fh.write("a,b,shared_recipes\n")
    for a, b_, w in sorted(g.edges(data="weight"), key=lambda e: (-e[2], e[0], e[1])):
        fh.write(f"{a},{b_},{w}\n")

pos = nx.spring_layout(g, seed=3)
widths = [g[u][v]["weight"] for u, v in g.edges()]
plt.figure(figsize=(7, 6))
nx.draw_networkx(g, pos, width=widths, node_size=[3000 * centrality[n] for n in g], node_color="#f6c", font_size=8)
plt.axis("off")
plt.savefig(out / "ingredient_network.png", dpi=110, bbox_inches="tight")
print("strongest pairs:", strongest)
