"""TCP egress: the internet, the Docker bridge gateway and the host's loopback. The test
listens on 127.0.0.1:47123 and on the docker0 gateway :47123 on the host, so any
connection that works at all proves a network path out. --network none must refuse all."""
import socket

TARGETS = [
    ("127.0.0.1", 47123),   # the host's loopback, reachable only with --network host
    ("172.17.0.1", 47123),  # docker0 gateway, reachable from the default bridge
    ("172.17.0.1", 2375),   # an unauthenticated Docker API, if someone enabled it
    ("10.0.2.2", 80),
    ("1.1.1.1", 443),
    ("8.8.8.8", 53),
    ("151.101.2.132", 80),  # deb.debian.org's CDN
]
print("ATTEMPT tcp-egress", flush=True)
for host, port in TARGETS:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect((host, port))
        print("ESC" "APED tcp connect", host, port, flush=True)
    except OSError as e:
        print("CONTAINED tcp", host, port, e.strerror or e, flush=True)
    finally:
        s.close()
