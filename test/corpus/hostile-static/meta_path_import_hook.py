"""Puts a finder first on sys.meta_path: every later import goes through it."""
import sys
from importlib.abc import MetaPathFinder


class Finder(MetaPathFinder):
    def find_spec(self, name, path, target=None):
        print("import", name)
        return None


sys.meta_path.insert(0, Finder())
import json  # noqa: E402,F401
