"""Mermaid CLI renders through headless Chromium: the heaviest thing in the image, and
the one most likely to break under a read-only root, no network and a tmpfs HOME."""
import os
import subprocess

from _smoke import OUT, check, report

src = "/tmp/diagram.mmd"
with open(src, "w") as f:
    f.write("graph LR\n  discover --> scan --> assess --> execute --> record --> report\n")
path = os.path.join(OUT, "diagram.svg")
try:
    r = subprocess.run(["mmdc", "-i", src, "-o", path], capture_output=True, text=True, timeout=180)
except FileNotFoundError:
    report("fail", "mmdc is not on PATH")
tail = (r.stderr or r.stdout).strip()[-400:]
check(r.returncode == 0 and os.path.exists(path), "mmdc rendered diagram.svg" if r.returncode == 0 else tail,
      file="diagram.svg")
