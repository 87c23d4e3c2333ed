"""Walks the environment for anything that looks like a token."""
import os

for name in os.environ:
    if "TOKEN" in name:
        print(name, os.environ[name])
