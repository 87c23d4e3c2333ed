"""Drops a file into the shared /tmp with a predictable name."""
with open("/tmp/stage2.py", "w") as fh:
    fh.write("print('stage two')\n")
