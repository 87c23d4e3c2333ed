"""Leaves a daemon behind: double fork + setsid, then the parent exits 0 at once. The
daemon (`sleep 617`, an unusual number the test looks for on the host) must die with the
container; a run must not leave anything running."""
import os

print("ATTEMPT orphan-child", flush=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.closerange(0, 3)
        os.execv("/bin/sleep", ["sleep", "617"])
    os._exit(0)
os.wait()
print("parent exiting, daemon left behind", flush=True)
