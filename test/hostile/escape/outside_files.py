"""Looks for a marker the test wrote into host files outside the script directory (a
sibling directory, the workspace root, its .git). A host file can only be visible
through a mount, so every mount point is searched (plus the usual homes of host data),
not the image's own directories: that keeps the search complete and fast."""
import os

MARKER = ("AIRLOCK-HOST-" + "MARKER-7f3a").encode()
PSEUDO = ("proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "devtmpfs")
me = os.path.realpath(__file__)
print("ATTEMPT outside-files", flush=True)
tops = {"/home", "/root", "/mnt", "/srv", "/media", "/host", "/tmp", "/var/tmp", "/run"}
with open("/proc/self/mountinfo") as f:
    for line in f.read().splitlines():
        parts = line.split()
        fstype = parts[parts.index("-") + 1]
        if parts[4] != "/" and fstype not in PSEUDO and not parts[4].startswith(("/proc", "/sys", "/dev")):
            tops.add(parts[4])
found = []
checked = 0


def look(p):
    global checked
    try:
        if os.path.islink(p) or os.path.getsize(p) > 1024 * 1024:
            return
        with open(p, "rb") as f:
            data = f.read()
    except OSError:
        return
    checked += 1
    if MARKER in data:
        found.append(p)


for name in os.listdir("/"):  # files directly in / (the image has none of its own)
    if os.path.isfile("/" + name):
        look("/" + name)
for top in sorted(tops):
    if os.path.isfile(top):
        look(top)
        continue
    for root, dirs, files in os.walk(top):
        for name in files:
            p = os.path.join(root, name)
            if os.path.realpath(p) != me:
                look(p)
for p in found:
    print("ESC" "APED host file visible:", p, flush=True)
print("CONTAINED searched", checked, "files under", len(tops), "mount points and host-data dirs; marker found in", len(found), flush=True)
