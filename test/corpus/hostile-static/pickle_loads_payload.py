"""Unpickles a blob: pickle runs code on load."""
import pickle

with open("model.pkl", "rb") as fh:
    model = pickle.load(fh)
