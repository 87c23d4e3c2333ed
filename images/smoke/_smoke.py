"""Shared helper of the smoke checks: each check prints ONE JSON line as its last
line of stdout, {"status": "pass"|"fail"|"unavailable", "detail": "...", ...}.
Airlock (src/smoke/) reads it, and for checks that produce files it also verifies the
file itself, so a check cannot pass by claiming to."""
import json
import os
import sys

OUT = os.environ.get("AIRLOCK_OUTPUT_DIR", "/out")


def report(status, detail, **extra):
    print(json.dumps({"status": status, "detail": detail, **extra}), flush=True)
    sys.exit(0)


def check(ok, detail, **extra):
    report("pass" if ok else "fail", detail, **extra)
