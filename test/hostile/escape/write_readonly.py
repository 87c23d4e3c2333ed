"""Writes to the read-only script directory (to plant code for a later step or alter
what was hashed), the root file system, and system directories. All must fail."""
import os

print("ATTEMPT write-readonly", flush=True)
for path in ("/work/planted.py", "/work/write_readonly.py", "planted.txt", "/planted", "/etc/planted",
             "/usr/lib/python3/dist-packages/sitecustomize.py", "/usr/local/lib/planted"):
    try:
        with open(path, "a") as f:
            f.write("# planted\n")
        print("ESC" "APED wrote", path, flush=True)
    except OSError as e:
        print("CONTAINED", path, e.strerror, flush=True)
try:
    os.chmod("/work", 0o777)
    print("ESC" "APED chmod /work", flush=True)
except OSError as e:
    print("CONTAINED chmod /work", e.strerror, flush=True)
