"""importlib with a non-literal module name."""
import importlib

parts = ["sub", "process"]
sp = importlib.import_module("".join(parts))
sp.run(["id"])
