"""Reads the output of a shell command through os.popen."""
import os

whoami = os.popen("id -un").read()
print(whoami)
