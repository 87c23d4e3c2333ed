"""Fills /tmp until ENOSPC: the tmpfs size must stop it."""
import errno
import os
import sys

from _smoke import check

limit_mb = int(sys.argv[1])
total, i, err = 0, 0, None
chunk = b"x" * (1024 * 1024)
try:
    while total < 4 * limit_mb * 1024 * 1024:
        with open(f"/tmp/fill{i}", "wb") as f:
            for _ in range(4):
                f.write(chunk)
                f.flush()
                total += len(chunk)
        i += 1
except OSError as e:
    err = errno.errorcode.get(e.errno)
check(err == "ENOSPC" and total <= limit_mb * 1024 * 1024,
      f"/tmp accepted {total // (1024 * 1024)} MiB of a {limit_mb} MiB tmpfs, then {err}")
