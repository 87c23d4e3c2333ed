"""Prints the environment it can see (names and values) for Airlock to compare with
the fake secret it put in its OWN environment, and tries PID 1's environment too."""
import json
import os

from _smoke import report

try:
    with open("/proc/1/environ", "rb") as f:
        pid1 = f.read().decode(errors="replace")
except OSError as e:
    pid1 = f"unreadable: {type(e).__name__}"
report("pass", "environment dumped", env=dict(os.environ), pid1=pid1)
