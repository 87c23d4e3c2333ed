"""Reads the environment of PID 1 (the container's init or the runner)."""
with open("/proc/1/environ", "rb") as fh:
    print(fh.read().split(b"\0"))
