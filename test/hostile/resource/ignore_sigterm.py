"""Ignores SIGTERM (and SIGINT, SIGHUP) and keeps running: the runner must escalate to
SIGKILL / remove the container. Expected status: timeout."""
import signal
import time

for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, signal.SIG_IGN)
print("ATTEMPT ignore-sigterm", flush=True)
while True:
    time.sleep(0.1)
