"""Reads the environment of every visible process (/proc/1/environ first). The runner's
token and the test's fake secret must not be in any of them."""
import os

SECRET_NAMES = (b"GITHUB_TOKEN=", b"ACTIONS_RUNTIME_TOKEN=", b"ACTIONS_ID_TOKEN_REQUEST_TOKEN=",
                b"AIRLOCK_HOSTILE_SECRET=", b"AWS_SECRET_ACCESS_KEY=")
print("ATTEMPT proc-environ", flush=True)
for pid in sorted((p for p in os.listdir("/proc") if p.isdigit()), key=int):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = f.read()
    except OSError as e:
        print("CONTAINED", pid, e.strerror, flush=True)
        continue
    hits = [n.decode() for n in SECRET_NAMES if n in env]
    if hits or b"ghs_" in env:
        print("ESC" "APED secrets in /proc", pid, "environ:", hits, flush=True)
    else:
        print("CONTAINED /proc", pid, "environ has no secrets", flush=True)
