"""The Docker socket is root on the host. It must not be mounted, nor reachable over TCP."""
import os
import socket

print("ATTEMPT docker-socket", flush=True)
for path in ("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
             "/var/run/docker/containerd/containerd.sock", "/run/podman/podman.sock"):
    if os.path.exists(path):
        print("present", path, flush=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        s.sendall(b"GET /version HTTP/1.0\r\n\r\n")
        print("ESC" "APED connected to", path, s.recv(200)[:80], flush=True)
    except OSError as e:
        print("CONTAINED", path, e.strerror or e, flush=True)
    finally:
        s.close()
