"""Cgroup tricks: raise our own memory/pids limits, or write a release_agent (the
CVE-2022-0492 escape). The cgroup file system must be read-only to the script."""
import glob
import os

print("ATTEMPT cgroup-escape", flush=True)
targets = (glob.glob("/sys/fs/cgroup/memory/memory.limit_in_bytes") + glob.glob("/sys/fs/cgroup/pids/pids.max")
           + glob.glob("/sys/fs/cgroup/*/release_agent") + glob.glob("/sys/fs/cgroup/memory.max")
           + glob.glob("/sys/fs/cgroup/pids.max") + ["/sys/fs/cgroup/release_agent"])
for path in targets:
    try:
        with open(path, "w") as f:
            f.write("max\n" if path.endswith(".max") else "/tmp/x\n" if "release" in path else "-1\n")
        print("ESC" "APED wrote", path, flush=True)
    except OSError as e:
        print("CONTAINED", path, e.strerror, flush=True)
for path in ("/proc/sysrq-trigger", "/proc/sys/kernel/core_pattern", "/sys/kernel/uevent_helper"):
    try:
        with open(path, "w") as f:
            f.write("|/tmp/x\n" if "core" in path else "h")
        print("ESC" "APED wrote", path, flush=True)
    except OSError as e:
        print("CONTAINED", path, e.strerror, flush=True)
