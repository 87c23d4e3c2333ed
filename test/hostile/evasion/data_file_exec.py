"""Code hidden in a data file beside the script (payload.dat), read and executed.
The data file is not a .py file, so no scanner looks at it; the exec() is still visible."""
print("ATTEMPT data-file-exec", flush=True)
with open("payload.dat") as f:
    exec(f.read())
