"""Fills the /tmp scratch tmpfs. Its size is capped (tmpfsMb); writing past 1 GiB means
the cap is missing and the host's memory is at risk."""
import errno
import os

print("ATTEMPT tmp-fill", flush=True)
written = 0
block = b"x" * (1024 * 1024)
n = 0
try:
    while written < 1024 * 1024 * 1024:
        # Files of 4 MiB so the fsize limit is not what stops us.
        with open(f"/tmp/fill-{n}", "wb") as f:
            for _ in range(4):
                f.write(block)
                written += len(block)
        n += 1
except OSError as e:
    if e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        print("CONTAINED /tmp full after", written // (1024 * 1024), "MiB:", e.strerror, flush=True)
    else:
        print("CONTAINED /tmp write failed:", e, flush=True)
if written >= 1024 * 1024 * 1024:
    print("ESC" "APED tmp-fill wrote 1 GiB", flush=True)
