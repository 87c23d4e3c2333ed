"""Allocates far beyond the memory limit and touches every page. Airlock expects the
run to be classified `oom`; reaching the last line means the limit did not hold."""
import sys

size_mb = int(sys.argv[1])
chunks = []
for _ in range(size_mb):
    chunks.append(bytearray(1024 * 1024))  # bytearray() zero-fills: the pages are really used
print('{"status": "fail", "detail": "allocated %d MiB without being stopped"}' % size_mb, flush=True)
