"""Allocates and touches 2 GiB. Every profile's memory limit is at most 1 GiB with swap
equal to memory, so finishing the loop means the limit did not hold. Expected: OOM kill."""
chunks = []
print("ATTEMPT memory-bomb", flush=True)
for i in range(128):
    chunks.append(bytearray(16 * 1024 * 1024))  # bytearray zero-fills: pages are touched
print("ESC" "APED memory-bomb allocated 2 GiB", flush=True)
