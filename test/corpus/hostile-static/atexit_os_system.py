"""Registers os.system to run at interpreter exit, after the 'analysis' finished."""
import atexit
import os

atexit.register(os.system, "id")
print("analysis done")
