"""Imports Popen under an innocent name."""
from subprocess import Popen as Worker

Worker(["id"]).wait()
