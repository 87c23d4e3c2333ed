"""The kernel keyring is not namespaced: a container that can add_key/keyctl shares the
host's per-uid keyrings. Docker's seccomp profile refuses these calls (EPERM/ENOSYS).
Under gVisor the keyring is the sandbox kernel's own, so success there is no escape."""
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
SYS_add_key, SYS_keyctl = 248, 250  # x86_64
KEY_SPEC_USER_KEYRING = -4
with open("/proc/version") as f:
    gvisor = "Sun Jan 10 15:06:54 PST 2016" in f.read()  # gVisor's fixed /proc/version
print("ATTEMPT keyctl gvisor=%s" % gvisor, flush=True)
rc = libc.syscall(SYS_add_key, b"user", b"airlock-probe", b"secret", 6, KEY_SPEC_USER_KEYRING)
err = ctypes.get_errno()
if rc >= 0 and not gvisor:
    print("ESC" "APED add_key into the host's user keyring:", rc, flush=True)
else:
    print("CONTAINED add_key", rc, os.strerror(err) if rc < 0 else "(gVisor's own keyring)", flush=True)
rc = libc.syscall(SYS_keyctl, 0, KEY_SPEC_USER_KEYRING, 0)  # KEYCTL_GET_KEYRING_ID
err = ctypes.get_errno()
if rc >= 0 and not gvisor:
    print("ESC" "APED keyctl reached the host keyring", rc, flush=True)
else:
    print("CONTAINED keyctl", rc, os.strerror(err) if rc < 0 else "(gVisor)", flush=True)
