"""Process snooping: every visible process must belong to this container (own PID
namespace), and attaching to a process of another user must fail."""
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH, PTRACE_DETACH = 16, 17
HOST_NAMES = ("dockerd", "containerd", "systemd", "node", "vitest", "sshd", "runsc", "bash")
print("ATTEMPT ptrace", flush=True)
me = os.getuid()
for pid in sorted((int(p) for p in os.listdir("/proc") if p.isdigit())):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        uid = os.stat(f"/proc/{pid}").st_uid
    except OSError:
        continue
    if any(h in cmd.split(" ")[0] for h in HOST_NAMES):
        print("ESC" "APED host process visible:", pid, cmd[:80], flush=True)
    if pid == os.getpid():
        continue
    rc = libc.ptrace(PTRACE_ATTACH, pid, None, None)
    if rc == 0:
        libc.ptrace(PTRACE_DETACH, pid, None, None)
        if uid != me:
            print("ESC" "APED attached to", pid, "of uid", uid, flush=True)
        else:
            print("CONTAINED attached only to own-uid process", pid, cmd[:40], flush=True)
    else:
        print("CONTAINED ptrace", pid, cmd[:40], os.strerror(ctypes.get_errno()), flush=True)
