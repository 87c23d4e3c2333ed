"""Loads a marshalled code object and runs it."""
import marshal

code = marshal.loads(open("blob.bin", "rb").read())
exec(code)
