"""Setuid binaries (mount, su, passwd, newgrp...) must not give root back:
no-new-privileges makes the kernel ignore the setuid bit, and all capabilities are gone."""
import os
import stat
import subprocess

print("ATTEMPT setuid", flush=True)
with open("/proc/self/status") as f:
    status = dict(line.split(":\t", 1) for line in f.read().splitlines() if ":\t" in line)
print("NoNewPrivs", status.get("NoNewPrivs", "?").strip(), "CapEff", status.get("CapEff", "?").strip(), flush=True)
if os.geteuid() == 0:
    print("ESC" "APED running as root", flush=True)
suid = []
for d in ("/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/lib/openssh", "/usr/lib/dbus-1.0"):
    if not os.path.isdir(d):
        continue
    for name in os.listdir(d):
        p = os.path.join(d, name)
        try:
            if os.stat(p).st_mode & (stat.S_ISUID | stat.S_ISGID):
                suid.append(p)
        except OSError:
            pass
print("setuid/setgid binaries:", sorted(suid), flush=True)
os.makedirs("/tmp/mnt", exist_ok=True)
tries = [["mount", "-t", "tmpfs", "none", "/tmp/mnt"], ["su", "-c", "id -u", "root"],
         ["newgrp", "root"], ["chfn", "-f", "x"]]
for argv in tries:
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=5, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        print("CONTAINED", argv[0], e, flush=True)
        continue
    if argv[0] == "mount" and r.returncode == 0:
        print("ESC" "APED setuid mount worked", flush=True)
    elif argv[0] == "su" and r.stdout.strip() == "0":
        print("ESC" "APED su gave root", flush=True)
    else:
        print("CONTAINED", argv[0], "exit", r.returncode, r.stderr.strip()[:100], flush=True)
