"""Abstract AF_UNIX sockets live in the network namespace, not the file system: with the
host's network namespace a container reaches every abstract socket on the host (the
containerd-shim escape, CVE-2020-15257). The test listens on the host's abstract socket
`@airlock-hostile-probe`; /proc/net/unix must show only the container's own sockets."""
import socket

print("ATTEMPT unix-abstract", flush=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(2)
try:
    s.connect("\0airlock-hostile-probe")
    print("ESC" "APED connected to the host's abstract socket", flush=True)
except OSError as e:
    print("CONTAINED abstract socket", e.strerror or e, flush=True)
finally:
    s.close()
try:
    with open("/proc/net/unix") as f:
        names = [line.split()[-1] for line in f.read().splitlines()[1:] if len(line.split()) >= 8]
    host_like = [n for n in names if any(k in n for k in ("containerd", "docker", "airlock-hostile-probe", "systemd"))]
    if host_like:
        print("ESC" "APED host sockets visible:", host_like[:5], flush=True)
    else:
        print("CONTAINED /proc/net/unix lists", len(names), "named sockets, none of the host's", flush=True)
except OSError as e:
    print("CONTAINED /proc/net/unix", e, flush=True)
