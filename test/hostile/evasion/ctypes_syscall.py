"""No import of socket, subprocess or os.system: raw syscalls through ctypes open a
socket and connect to a public address. Static tools see only ctypes."""
import ctypes
import struct

libc = ctypes.CDLL(None, use_errno=True)
print("ATTEMPT ctypes-syscall", flush=True)
fd = libc.socket(2, 1, 0)  # AF_INET, SOCK_STREAM
addr = struct.pack("!HH4s8x", 2, 443, bytes([1, 1, 1, 1]))
addr = struct.pack("=H", 2) + addr[2:]  # sa_family is host byte order
rc = libc.connect(fd, addr, len(addr))
if rc == 0:
    print("ESC" "APED raw connect to 1.1.1.1:443", flush=True)
else:
    print("CONTAINED raw connect refused, errno", ctypes.get_errno(), flush=True)
