"""Raw devices: host disks, kernel memory, the kernel log; and mknod to make new ones.
The device cgroup and dropped capabilities must refuse all."""
import os
import stat

print("ATTEMPT devices", flush=True)
for path in ("/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg"):
    try:
        fd = os.open(path, os.O_RDONLY)
        os.close(fd)
        print("ESC" "APED opened", path, flush=True)
    except OSError as e:
        print("CONTAINED", path, e.strerror, flush=True)
for name, major, minor in (("sda", 8, 0), ("mem", 1, 1)):
    p = "/tmp/" + name
    try:
        os.mknod(p, 0o600 | stat.S_IFBLK if name == "sda" else 0o600 | stat.S_IFCHR, os.makedev(major, minor))
        try:
            os.close(os.open(p, os.O_RDONLY))
            print("ESC" "APED mknod+open", p, flush=True)
        except OSError as e:
            print("CONTAINED mknod made", p, "but open failed:", e.strerror, flush=True)
    except OSError as e:
        print("CONTAINED mknod", p, e.strerror, flush=True)
