"""Code hidden in a data file AND the exec hidden behind getattr: nothing a static
scanner can see. Only the sandbox stands between the payload and the runner."""
import builtins

run = getattr(builtins, "".join(reversed("cexe")))
print("ATTEMPT data-file-hidden", flush=True)
with open("payload.dat") as f:
    run(f.read())
