"""Renders the data pipeline as a Graphviz diagram (dot → SVG)."""
import os
import shutil
import subprocess
from pathlib import Path

out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
source = """digraph pipeline {
  rankdir=LR;
  ingest -> clean -> aggregate -> plot;
  aggregate -> report;
}
"""
dot = shutil.which("dot")
svg = subprocess.run([dot, "-Tsvg"], input=source.encode(), capture_output=True, check=True).stdout
(out / "pipeline.svg").write_bytes(svg)
print(f"pipeline.svg: {len(svg)} bytes")
