"""Unpickles through the C module _pickle, imported under another name."""
from _pickle import loads as restore

with open("model.bin", "rb") as fh:
    model = restore(fh.read())
