"""Spawns a detached process that outlives the analysis."""
import os

os.spawnlp(os.P_NOWAIT, "sleep", "sleep", "3600")
