"""Listens on every interface: a backdoor port."""
import socket

srv = socket.socket()
srv.bind(("0.0.0.0", 8080))
srv.listen(1)
