"""Opens an AF_PACKET raw socket to sniff traffic."""
import socket

sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))
print(sniffer.recv(65535))
