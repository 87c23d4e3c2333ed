"""Imports eval under a harmless name: 'eval(' never appears in the file."""
from builtins import eval as calculate

print(calculate("__import__('os').getcwd()"))
