"""Prints /opt/airlock/versions.json (written at build time by tool-versions.py).
The host judges it against the flavor under test (src/smoke/checks.ts)."""
import json

from _smoke import report

try:
    with open("/opt/airlock/versions.json", encoding="utf-8") as f:
        versions = json.load(f)
except (OSError, ValueError) as e:
    report("fail", f"/opt/airlock/versions.json: {type(e).__name__}: {e}")
report("pass", "read", versions=versions)
