"""Fills /dev/shm (a tmpfs Docker creates, 64 MiB by default, charged to the container's
memory). Writing 1 GiB there means neither the shm size nor the memory limit holds."""
import os

print("ATTEMPT shm-fill", flush=True)
written = 0
block = b"x" * (1024 * 1024)
n = 0
try:
    while written < 1024 * 1024 * 1024:
        with open(f"/dev/shm/fill-{n}", "wb") as f:
            for _ in range(4):
                f.write(block)
                written += len(block)
        n += 1
except OSError as e:
    print("CONTAINED /dev/shm write refused after", written // (1024 * 1024), "MiB:", e.strerror, flush=True)
if written >= 1024 * 1024 * 1024:
    print("ESC" "APED shm-fill wrote 1 GiB", flush=True)
