"""Opens descriptors until refused. nofile is at most a few hundred in every profile;
100,000 open files means the ulimit is missing."""
import os

print("ATTEMPT fd-exhaustion", flush=True)
fds = []
try:
    while len(fds) < 100000:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    print("CONTAINED open refused after", len(fds), "descriptors:", e.strerror, flush=True)
if len(fds) >= 100000:
    print("ESC" "APED fd-exhaustion opened 100000 files", flush=True)
