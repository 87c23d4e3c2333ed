"""Reaches exec through globals() and the builtins dict, names assembled at run time."""
ns = globals()["__buil" + "tins__"]
table = ns if isinstance(ns, dict) else vars(ns)
table["ex" + "ec"]("print('ran')")
