"""Layer the module dependency graph (module_deps.csv), find cycles and write DOT + a PNG."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd

here = Path(__file__).resolve().parent
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

edges = pd.read_csv(here / "module_deps.csv")
g = nx.from_pandas_edgelist(edges, source="module", target="depends_on", create_using=nx.DiGraph)

cycles = list(nx.simple_cycles(g))
print("cycles:", cycles or "none")

layers = list(nx.topological_generations(g.reverse()))
for depth, layer in enumerate(layers):
    print(f"layer {depth}: {', '.join(sorted(layer))}")
    for node in layer:
        g.nodes[node]["layer"] = depth

fan_in = dict(g.in_degree())
with open(out / "dependencies.dot", "w", encoding="utf-8") as fh:
    fh.write("digraph deps {\n  rankdir=LR;\n")
    for node, data in g.nodes(data=True):
        fh.write(f'  "{node}" [label="{node}\\nused by {fan_in[node]}"];\n')
    for a, b in g.edges():
        fh.write(f'  "{a}" -> "{b}";\n')
    fh.write("}\n")

pos = nx.multipartite_layout(g, subset_key="layer", align="horizontal")
plt.figure(figsize=(8, 5))
nx.draw_networkx(g, pos, node_color="#cde", node_size=1400, font_size=8, arrowsize=12)
plt.axis("off")
plt.tight_layout()
plt.savefig(out / "dependencies.png", dpi=110)
