"""Gets subprocess through importlib by literal name, then calls it through a variable."""
import importlib

sp = importlib.import_module("subprocess")
print(sp.check_output(["id"]))
