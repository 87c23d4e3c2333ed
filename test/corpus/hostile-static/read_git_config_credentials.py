"""Reads .git/config, where checkout leaves an auth header."""
cfg = open("../.git/config").read()
print(cfg)
