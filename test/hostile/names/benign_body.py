"""Body of the hostile-name cases that should run: harmless, and it says which file ran,
so the test can tell the right file ran under its own (odd) name."""
import os

print("RAN", repr(os.path.basename(__file__)), flush=True)
print("CONTAINED nothing hostile but the name", flush=True)
