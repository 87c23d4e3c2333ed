"""Cross-run residue: the first run leaves files in every writable place; the second run
(of this same script, in a new sandbox) must find none of them."""
import os
import time

PLACES = ["/tmp", "/var/tmp", "/dev/shm", "/run", os.environ.get("HOME", "/tmp"),
          os.environ.get("AIRLOCK_OUTPUT_DIR", "/out")]
print("ATTEMPT residue", flush=True)
for d in PLACES:
    p = os.path.join(d, ".airlock-residue")
    if os.path.exists(p):
        with open(p) as f:
            print("ESC" "APED residue from an earlier run in", d, f.read().strip(), flush=True)
    else:
        print("CONTAINED no residue in", d, flush=True)
for d in PLACES:
    try:
        with open(os.path.join(d, ".airlock-residue"), "w") as f:
            f.write("planted at %f\n" % time.time())
    except OSError as e:
        print("cannot plant in", d, e.strerror, flush=True)
