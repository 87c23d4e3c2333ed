"""`TOOL --version` for a scanner in the image; absent is `unavailable`, never `pass`."""
import subprocess
import sys

from _smoke import check, report

tool = sys.argv[1]
try:
    r = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=120)
except FileNotFoundError:
    report("unavailable", f"{tool} is not installed in this image")
first = (r.stdout or r.stderr).strip().splitlines()[:1]
check(r.returncode == 0, f"{tool}: {first[0] if first else '(no output)'}")
