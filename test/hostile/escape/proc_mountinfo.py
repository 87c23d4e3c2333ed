"""Reads /proc/self/mountinfo looking for a way out: the Docker socket, a host directory
mounted writable, the host's root, or the script directory mounted read-write."""
import os

print("ATTEMPT mountinfo", flush=True)
with open("/proc/self/mountinfo") as f:
    mounts = [line.split() for line in f.read().splitlines()]
out = os.environ.get("AIRLOCK_OUTPUT_DIR", "/out")
# Docker bind-mounts these three files itself; they are not the host's.
DOCKER_FILES = {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf"}
bad = []
for m in mounts:
    sep = m.index("-")
    mount_point, options, fstype = m[4], m[5].split(","), m[sep + 1]
    if "docker.sock" in mount_point or "containerd" in mount_point:
        bad.append(("runtime socket mounted", mount_point))
    if mount_point == "/work" and "rw" in options:
        bad.append(("script directory writable", mount_point))
    if mount_point in ("/host", "/rootfs", "/mnt/host"):
        bad.append(("host root mounted", mount_point))
    disk = fstype in ("ext4", "ext3", "xfs", "btrfs", "zfs", "vfat")
    if disk and "rw" in options and mount_point not in DOCKER_FILES and mount_point != out:
        bad.append(("host file system mounted writable", mount_point))
for why, where in bad:
    print("ESC" "APED", why, where, flush=True)
if not bad:
    print("CONTAINED", len(mounts), "mounts, none writable on the host or exposing a socket", flush=True)
