"""Calls os.system through operator.methodcaller on a module fetched by importlib."""
import importlib
import operator

run = operator.methodcaller("system", "id")
run(importlib.import_module("os"))
