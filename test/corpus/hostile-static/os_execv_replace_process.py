"""Replaces the analysis process with a shell."""
import os

os.execv("/bin/sh", ["sh", "-c", "id"])
