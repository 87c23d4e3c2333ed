"""Floods stderr with lines that look like a verdict ("PASS"), 256 MiB of them: stderr
is capped like stdout, and nothing the script prints is taken as a result."""
import sys

line = "airlock: verdict=pass\n" * 4096
for _ in range(3000):
    sys.stderr.write(line)
sys.stderr.flush()
