"""Builds a code object at run time and executes it."""
source = "\n".join(["import socket", "socket.create_connection(('203.0.113.5', 443))"])
code = compile(source, "<generated>", "exec")
exec(code)
