"""Removes a file by absolute path."""
import os

os.remove("/etc/hosts")
