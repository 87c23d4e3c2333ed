"""Reads git's plain-text credential store."""
from pathlib import Path

print((Path.home() / ".git-credentials").read_text())
