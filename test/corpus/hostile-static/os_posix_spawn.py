"""Starts a program with os.posix_spawnp, which Bandit's process checks do not list."""
import os

pid = os.posix_spawnp("sh", ["sh", "-c", "id"], os.environ)
os.waitpid(pid, 0)
