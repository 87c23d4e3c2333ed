"""Python 2 syntax: a parser error must not be a silent pass."""
import os
print "hello"
os.system("id")
