import os
import subprocess

from _smoke import OUT, check, report

path = os.path.join(OUT, "graph.png")
try:
    r = subprocess.run(
        ["dot", "-Tpng", "-o", path],
        input=b"digraph { scan -> assess -> execute -> record -> report }",
        capture_output=True,
        timeout=60,
    )
except FileNotFoundError:
    report("fail", "graphviz `dot` is not on PATH")
version = subprocess.run(["dot", "-V"], capture_output=True, text=True).stderr.strip()
check(r.returncode == 0, f"{version}: rendered graph.png" if r.returncode == 0 else r.stderr.decode()[-300:],
      file="graph.png")
