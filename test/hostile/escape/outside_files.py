"""Walks the container's file system for a marker the test wrote into host files outside
the script directory (a sibling directory, the workspace root, the runner's home)."""
import os

MARKER = ("AIRLOCK-HOST-" + "MARKER-7f3a").encode()
SKIP = ("/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin")
me = os.path.realpath(__file__)
print("ATTEMPT outside-files", flush=True)
found = []
checked = 0
for top in ("/",):
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in SKIP]
        for name in files:
            p = os.path.join(root, name)
            if p == me or os.path.islink(p):
                continue
            try:
                if os.path.getsize(p) > 1024 * 1024:
                    continue
                with open(p, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            checked += 1
            if MARKER in data:
                found.append(p)
for p in found:
    print("ESC" "APED host file visible:", p, flush=True)
print("CONTAINED searched", checked, "files, marker found in", len(found), flush=True)
