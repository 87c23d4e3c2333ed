"""Imports a module whose name is assembled at run time."""
mod = __import__("o" + "s")
mod.system("id")
