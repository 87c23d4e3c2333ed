"""Org chart from employees.csv as a Graphviz DOT file (render it later with `dot -Tsvg`)."""
import csv
import os
from collections import defaultdict
from pathlib import Path

here = Path(__file__).parent
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

people = {}
reports = defaultdict(list)
with open(here / "employees.csv", newline="", encoding="utf-8") as fh:
    for row in csv.DictReader(fh):
        people[row["employee_id"]] = row
        if row["manager_id"]:
            reports[row["manager_id"]].append(row["employee_id"])

COLOURS = {"analytics": "#8dd3c7", "finance": "#ffffb3", "ops": "#bebada", "research": "#fb8072", "sales": "#80b1d3"}


def quote(text: str) -> str:
    return '"' + text.replace('"', r"\"") + '"'


lines = ["digraph org {", "  rankdir=TB;", '  node [shape=box, style="rounded,filled", fontname="Helvetica"];']
for pid, p in sorted(people.items()):
    label = f"{p['name']}\\n{p['department']}"
    lines.append(f"  {quote(pid)} [label={quote(label)}, fillcolor={quote(COLOURS[p['department']])}];")
for manager, team in sorted(reports.items()):
    for member in sorted(team):
        lines.append(f"  {quote(manager)} -> {quote(member)};")
lines.append("}")

(out / "org_chart.dot").write_text("\n".join(lines) + "\n", encoding="utf-8")
span = {people[m]["name"]: len(t) for m, t in reports.items()}
print("span of control:", dict(sorted(span.items(), key=lambda kv: -kv[1])))
