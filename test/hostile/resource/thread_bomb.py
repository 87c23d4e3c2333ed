"""Threads are tasks too: the pids limit must stop a thread flood as well as forks."""
import threading
import time

print("ATTEMPT thread-bomb", flush=True)
count = 0
try:
    while count < 5000:
        t = threading.Thread(target=time.sleep, args=(30,), daemon=True)
        t.start()
        count += 1
except RuntimeError as e:
    print("CONTAINED thread creation refused after", count, "threads:", e, flush=True)
if count >= 5000:
    print("ESC" "APED thread-bomb", count, flush=True)
