"""Reads AWS credentials from the home directory."""
from pathlib import Path

creds = (Path.home() / ".aws" / "credentials").read_text()
