"""Classic fork bomb: every process forks forever. Contained by --pids-limit and the
wall-clock timeout; the host must stay responsive and no process may survive the run."""
import os

print("ATTEMPT fork-bomb", flush=True)
while True:
    try:
        os.fork()
    except OSError:
        pass
