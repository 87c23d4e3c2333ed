"""Makes a file world-writable."""
import os

os.chmod("results.csv", 0o777)
