"""Critical path of the project plan (project_tasks.json) with networkx, plus a Gantt chart."""
import json
import os
from datetime import date, timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

plan = json.loads((HERE / "project_tasks.json").read_text())
start = date.fromisoformat(plan["start"])
tasks = {t["id"]: t for t in plan["tasks"]}

g = nx.DiGraph()
for t in tasks.values():
    g.add_node(t["id"], days=t["days"])
    for dep in t["after"]:
        g.add_edge(dep, t["id"])
assert nx.is_directed_acyclic_graph(g), "the plan has a dependency cycle"

earliest = {}
for node in nx.topological_sort(g):
    earliest[node] = max((earliest[p] + tasks[p]["days"] for p in g.predecessors(node)), default=0)
finish = max(earliest[n] + tasks[n]["days"] for n in g)

# Walk back from the task that ends last along predecessors that end exactly when it starts.
path = [max(g, key=lambda n: earliest[n] + tasks[n]["days"])]
while True:
    preds = [p for p in g.predecessors(path[-1]) if earliest[p] + tasks[p]["days"] == earliest[path[-1]]]
    if not preds:
        break
    path.append(preds[0])
path.reverse()

schedule = [
    {"task": tasks[n]["name"], "start": str(start + timedelta(days=earliest[n])), "days": tasks[n]["days"], "critical": n in path}
    for n in nx.topological_sort(g)
]
(OUT / "schedule.json").write_text(json.dumps({"finish_day": finish, "critical_path": path, "schedule": schedule}, indent=2))

fig, ax = plt.subplots(figsize=(9, 4))
for i, row in enumerate(schedule):
    offset = (date.fromisoformat(row["start"]) - start).days
    ax.barh(i, row["days"], left=offset, color="tab:red" if row["critical"] else "tab:blue")
ax.set_yticks(range(len(schedule)), [r["task"] for r in schedule])
ax.invert_yaxis()
ax.set_xlabel("days from start")
ax.set_title(f"Project plan: {finish} days, critical path in red")
fig.tight_layout()
fig.savefig(OUT / "gantt.png", dpi=110)
print(" -> ".join(path), finish)
