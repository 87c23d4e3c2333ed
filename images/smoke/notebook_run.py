"""A notebook runs headless: the image's runner (nbclient + the ipykernel `python3`
kernel, talking ZMQ over loopback) executes a two-cell notebook under the sandbox's
flags, and its executed copy, with the cells' outputs, comes back as an artifact
(the host checks its bytes: the output must be in it, not just claimed here)."""
import json
import os
import subprocess
import sys

from _smoke import check, report

RUNNER = "/opt/airlock/libexec/run-notebook.py"
if not os.path.exists(RUNNER):
    check(False, f"{RUNNER} is missing")

cells = [
    "import pandas as pd\nframe = pd.DataFrame({'n': [20, 22]})",
    "print('notebook-sum', int(frame.n.sum()))",
]
notebook = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {},
    "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
              for c in cells],
}
work = "/tmp/notebook-smoke"
os.makedirs(work, exist_ok=True)
with open(os.path.join(work, "smoke.ipynb"), "w", encoding="utf-8") as f:
    json.dump(notebook, f)
try:
    done = subprocess.run([sys.executable, RUNNER, "./smoke.ipynb"], cwd=work, capture_output=True,
                          text=True, timeout=240, check=False)
except subprocess.TimeoutExpired:
    report("fail", "the notebook did not finish in 240 s")
tail = (done.stderr.strip().splitlines() or [""])[-1][:300]
check(done.returncode == 0 and "notebook-sum 42" in done.stdout,
      f"nbclient ran 2 cells: {done.stdout.strip()!r}" if done.returncode == 0
      else f"runner exited {done.returncode}: {tail}", file="smoke.ipynb")
