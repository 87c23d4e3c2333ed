"""Reads the kernel's view of this process: capabilities, no_new_privs, seccomp.
argv[1] names the property to check: capabilities | no_new_privs | seccomp."""
import sys

from _smoke import check, report

status = {}
with open("/proc/self/status") as f:
    for line in f:
        key, _, value = line.partition(":")
        status[key] = value.strip()

what = sys.argv[1]
if what == "capabilities":
    caps = {k: status[k] for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb") if k in status}
    # CapPrm and CapEff must be there (gVisor omits CapAmb); every one shown must be 0.
    present = "CapPrm" in caps and "CapEff" in caps
    check(present and all(int(v, 16) == 0 for v in caps.values()), f"{caps}")
elif what == "no_new_privs":
    # Ask the kernel directly: prctl(PR_GET_NO_NEW_PRIVS); gVisor does not list it in status.
    import ctypes

    PR_GET_NO_NEW_PRIVS = 39
    libc = ctypes.CDLL(None, use_errno=True)
    flag = libc.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)
    check(flag == 1, f"prctl(PR_GET_NO_NEW_PRIVS)={flag}; /proc/self/status NoNewPrivs={status.get('NoNewPrivs')}")
elif what == "seccomp":
    if "Seccomp" not in status:
        report("unavailable", "this kernel does not report Seccomp in /proc/self/status")
    check(status["Seccomp"] == "2", f"Seccomp={status['Seccomp']} (2 = filter mode)")
else:
    report("fail", f"unknown property {what}")
