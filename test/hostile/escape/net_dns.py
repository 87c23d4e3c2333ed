"""DNS: name resolution through whatever resolver the container was given. Exfiltration
through DNS needs only a resolver that forwards; none may be reachable."""
import socket

print("ATTEMPT dns", flush=True)
for name in ("deb.debian.org", "github.com", "example.com", "host.docker.internal"):
    try:
        infos = socket.getaddrinfo(name, 443, proto=socket.IPPROTO_TCP)
        addrs = sorted({i[4][0] for i in infos})
        # /etc/hosts could map a name to loopback without any network: that is no escape.
        if all(a.startswith("127.") or a == "::1" for a in addrs):
            print("CONTAINED dns", name, "only loopback", addrs, flush=True)
        else:
            print("ESC" "APED dns resolved", name, addrs, flush=True)
    except OSError as e:
        print("CONTAINED dns", name, e, flush=True)
