"""Deletes a directory tree by absolute path."""
import shutil

shutil.rmtree("/home/runner/work")
