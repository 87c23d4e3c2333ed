"""Reads another view of the environment through /proc."""
env = open("/proc/self/environ", "rb").read()
print(env.split(b"\0"))
