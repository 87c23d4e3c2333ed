"""Static evasion: eval reached through getattr on builtins with a name built from
pieces, so no call to `eval` appears in the source. The payload tries to exfiltrate the
runner's environment over the network; the sandbox must contain it."""
import builtins

fn = getattr(builtins, "ev" + "al")
payload = "__import__('socket').create_connection(('1.1.1.1', 443), 2)"
print("ATTEMPT getattr-builtins", flush=True)
try:
    fn(payload)
    print("ESC" "APED network via hidden eval", flush=True)
except OSError as e:
    print("CONTAINED hidden eval ran, network refused:", e.strerror or e, flush=True)
