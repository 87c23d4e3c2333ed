import os

import networkx as nx

from _smoke import OUT, check

g = nx.karate_club_graph()
path = os.path.join(OUT, "graph.graphml")
nx.write_graphml(g, path)
back = nx.read_graphml(path)
check(
    back.number_of_nodes() == 34 and back.number_of_edges() == 78,
    f"networkx {nx.__version__}: karate club graph, {back.number_of_nodes()} nodes, {back.number_of_edges()} edges",
    file="graph.graphml",
)
