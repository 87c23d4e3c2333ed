"""Talks to the Docker socket: root on the host."""
import socket

client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
client.connect("/var/run/docker.sock")
client.sendall(b"GET /containers/json HTTP/1.0\r\n\r\n")
