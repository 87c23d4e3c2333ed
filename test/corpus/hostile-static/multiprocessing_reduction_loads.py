"""Unpickles through multiprocessing's ForkingPickler."""
from multiprocessing.reduction import ForkingPickler

with open("state.bin", "rb") as fh:
    state = ForkingPickler.loads(fh.read())
