"""Runs a second-stage script from /tmp that was never gated."""
import runpy

runpy.run_path("/tmp/stage2.py", run_name="__main__")
