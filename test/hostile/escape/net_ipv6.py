"""IPv6 egress and interfaces: only the loopback interface may exist."""
import os
import socket

print("ATTEMPT ipv6", flush=True)
ifaces = sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else []
print("interfaces", ifaces, flush=True)
if [i for i in ifaces if i != "lo"]:
    print("ESC" "APED network interfaces besides lo:", ifaces, flush=True)
for host in ("2001:4860:4860::8888", "2606:4700:4700::1111", "fe80::1%eth0", "fd00::1"):
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError as e:
        print("CONTAINED ipv6 socket", e, flush=True)
        break
    s.settimeout(2)
    try:
        s.connect((host, 53))
        print("ESC" "APED ipv6 connect", host, flush=True)
    except OSError as e:
        print("CONTAINED ipv6", host, e.strerror or e, flush=True)
    finally:
        s.close()
