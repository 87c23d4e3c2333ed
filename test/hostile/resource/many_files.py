"""Thousands of artifacts: the runner must copy out at most maxArtifacts of them and
say it truncated, not spend minutes (or the runner's disk) on them."""
import os

out = os.environ.get("AIRLOCK_OUTPUT_DIR", "/out")
print("ATTEMPT many-files", flush=True)
made = 0
try:
    for i in range(5000):
        with open(os.path.join(out, f"a{i:05d}.txt"), "w") as f:
            f.write("artifact %d\n" % i)
        made += 1
except OSError as e:
    print("CONTAINED output dir refused more files after", made, ":", e.strerror, flush=True)
print("MADE", made, flush=True)
