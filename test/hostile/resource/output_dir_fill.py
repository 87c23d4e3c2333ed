"""Fills the one writable output directory ($AIRLOCK_OUTPUT_DIR). Its size is capped
(outputMb); 1 GiB of artifacts means the cap is missing (and the runner's disk is next)."""
import os

out = os.environ.get("AIRLOCK_OUTPUT_DIR", "/out")
print("ATTEMPT output-dir-fill", out, flush=True)
written = 0
block = b"y" * (1024 * 1024)
n = 0
try:
    while written < 1024 * 1024 * 1024:
        with open(os.path.join(out, f"fill-{n}.bin"), "wb") as f:
            for _ in range(4):
                f.write(block)
                written += len(block)
        n += 1
except OSError as e:
    print("CONTAINED output dir full after", written // (1024 * 1024), "MiB:", e.strerror, flush=True)
if written >= 1024 * 1024 * 1024:
    print("ESC" "APED output-dir-fill wrote 1 GiB", flush=True)
