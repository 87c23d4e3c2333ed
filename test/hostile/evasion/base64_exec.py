"""Static evasion: the real code is base64 text handed to exec()."""
import base64

PAYLOAD = base64.b64encode(
    b"import os\n"
    b"try:\n"
    b"    open('/work/planted.py', 'w').write('x')\n"
    b"    print('ESC' 'APED wrote /work from a base64 payload')\n"
    b"except OSError as e:\n"
    b"    print('CONTAINED base64 payload ran, /work is read-only:', e.strerror)\n"
)
print("ATTEMPT base64-exec", flush=True)
exec(base64.b64decode(PAYLOAD))
