"""Reads the runner's SSH private key."""
import os

key = open(os.path.expanduser("~/.ssh/id_rsa")).read()
print(key)
