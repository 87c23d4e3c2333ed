"""mount(2) and unshare(2) straight through libc: without CAP_SYS_ADMIN and under the
seccomp profile, a tmpfs or proc mount must fail."""
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
print("ATTEMPT mount-syscall", flush=True)
os.makedirs("/tmp/m", exist_ok=True)
for src, fstype in ((b"none", b"tmpfs"), (b"proc", b"proc"), (b"/dev/sda1", b"ext4")):
    rc = libc.mount(src, b"/tmp/m", fstype, 0, None)
    if rc == 0:
        print("ESC" "APED mount", fstype.decode(), "succeeded", flush=True)
    else:
        print("CONTAINED mount", fstype.decode(), os.strerror(ctypes.get_errno()), flush=True)
# remount the read-only root fs read-write
rc = libc.mount(None, b"/", None, 32 | 1 << 5, None)  # MS_REMOUNT
if rc == 0 and os.access("/", os.W_OK):
    print("ESC" "APED remounted / read-write", flush=True)
else:
    print("CONTAINED remount /", os.strerror(ctypes.get_errno()), flush=True)
