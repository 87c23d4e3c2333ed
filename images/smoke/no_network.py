"""No way out: TCP, UDP, DNS, IPv6, the Docker bridge gateway, the Docker socket."""
import os
import socket

from _smoke import check


def attempt(fn):
    try:
        fn()
        return "reached"
    except OSError as e:
        return type(e).__name__ + (f"({e.errno})" if e.errno else "")


def tcp():
    socket.create_connection(("1.1.1.1", 443), timeout=3).close()


def gateway():
    socket.create_connection(("172.17.0.1", 2375), timeout=3).close()


def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(b"\x00" * 12, ("8.8.8.8", 53))
    s.recvfrom(512)


def dns():
    socket.getaddrinfo("deb.debian.org", 80)


def ipv6():
    socket.create_connection(("2001:4860:4860::8888", 53), timeout=3).close()


def docker_socket():
    for p in ("/var/run/docker.sock", "/run/docker.sock"):
        if os.path.exists(p):
            s = socket.socket(socket.AF_UNIX)
            s.connect(p)
            return
    raise FileNotFoundError(2, "absent")


results = {name: attempt(fn) for name, fn in
           [("tcp", tcp), ("gateway", gateway), ("udp", udp), ("dns", dns), ("ipv6", ipv6),
            ("docker_socket", docker_socket)]}
ifaces = sorted(name for _, name in socket.if_nameindex())
reached = [k for k, v in results.items() if v == "reached"]
check(not reached and ifaces == ["lo"], f"interfaces {ifaces}; " + ", ".join(f"{k}: {v}" for k, v in results.items()),
      results=results)
