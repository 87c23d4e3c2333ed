"""Counts how many processes it can create (children that sleep) before the kernel
refuses. The pids limit of every profile is far below 2000, so reaching it means the
limit is not applied."""
import os
import time

print("ATTEMPT fork-count", flush=True)
count = 0
children = []
try:
    while count < 2000:
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
        count += 1
except OSError as e:
    print("CONTAINED fork refused after", count, "children:", e.strerror, flush=True)
if count >= 2000:
    print("ESC" "APED fork-count", count, flush=True)
for pid in children:
    try:
        os.kill(pid, 9)
    except OSError:
        pass
