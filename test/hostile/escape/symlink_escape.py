"""The workspace holds symlinks (planted by a pull request) pointing outside it: to an
absolute host path holding a secret, and `..` chains. Inside the container they must
resolve in the container's file system, never the host's."""
import os

MARKER = ("AIRLOCK-HOST-" + "MARKER-7f3a").encode()
print("ATTEMPT symlink-escape", flush=True)
for name in sorted(os.listdir(".")):
    if not os.path.islink(name):
        continue
    target = os.readlink(name)
    try:
        with open(name, "rb") as f:
            data = f.read(1 << 20)
        if MARKER in data:
            print("ESC" "APED", name, "->", target, "reads the host file", flush=True)
        else:
            print("CONTAINED", name, "->", target, "resolves inside the container", flush=True)
    except OSError as e:
        print("CONTAINED", name, "->", target, e.strerror, flush=True)
