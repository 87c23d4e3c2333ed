"""Reads the shadow password file."""
from pathlib import Path

print(Path("/etc/shadow").read_text())
