"""Loads and executes a module from a file path that was never scanned."""
import importlib.util

spec = importlib.util.spec_from_file_location("helper", "/tmp/helper.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
