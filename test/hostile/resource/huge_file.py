"""One huge file: RLIMIT_FSIZE (ulimit fsize) must stop a single file long before the
tmpfs is full. SIGXFSZ is ignored so the limit shows up as EFBIG we can report."""
import errno
import resource
import signal

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
print("ATTEMPT huge-file, RLIMIT_FSIZE soft", soft, "hard", hard, flush=True)
if soft == resource.RLIM_INFINITY:
    print("ESC" "APED huge-file: no file size limit is set", flush=True)
written = 0
block = b"z" * (1024 * 1024)
try:
    with open("/tmp/huge.bin", "wb", buffering=0) as f:
        while written < 2 * 1024 * 1024 * 1024:
            f.write(block)
            written += len(block)
except OSError as e:
    if e.errno == errno.EFBIG:
        print("CONTAINED huge-file stopped at", written, "bytes by EFBIG", flush=True)
    else:
        print("CONTAINED huge-file stopped at", written, "bytes:", e.strerror, flush=True)
if soft != resource.RLIM_INFINITY and written > soft:
    print("ESC" "APED huge-file wrote", written, "bytes past the limit", soft, flush=True)
