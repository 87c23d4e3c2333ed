"""Forks until the kernel says no: the pids limit must stop it well before the host's."""
import os
import sys
import time

from _smoke import check

limit = int(sys.argv[1])
n, err = 0, None
try:
    while n < 10 * limit:
        pid = os.fork()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError as e:
    err = e.errno
ok = err == 11 and n < limit  # EAGAIN
print(f"forked {n} children, then errno {err}", flush=True)
check(ok, f"fork bomb stopped after {n} children (pids limit {limit}) with errno {err}")
