"""Writes 1 GiB to stdout. The runner keeps at most maxOutputBytes, counts the rest,
flags the truncation, and its own memory stays flat."""
import sys

print("ATTEMPT output-flood", flush=True)
block = b"F" * (1024 * 1024)
out = sys.stdout.buffer
for _ in range(1024):
    out.write(block)
out.flush()
