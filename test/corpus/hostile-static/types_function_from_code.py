"""Builds a function from another function's code object with swapped constants."""
import types


def report():
    return "summary"


patched = report.__code__.replace(co_consts=(None, "id"))
types.FunctionType(patched, globals())()
