"""Unsafe deserialisation: a pickle whose __reduce__ runs os.system on load."""
import pickle

BLOB = (b"cos\nsystem\n(S'ls /var/run/docker.sock 2>/dev/null && echo ESC''APED docker socket || "
        b"echo CONTAINED no docker socket'\ntR.")
print("ATTEMPT pickle", flush=True)
pickle.loads(BLOB)
