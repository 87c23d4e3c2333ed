"""Spins forever: only the wall-clock timeout ends it. Expected status: timeout."""
print("ATTEMPT cpu-spin", flush=True)
n = 0
while True:
    n += 1
