# Test target for native-code.yaml (`semgrep --test` layout).
import ctypes
import struct

import cffi

# ruleid: airlock.native-code
libc = ctypes.CDLL("libc.so.6")
# ruleid: airlock.native-code
libc2 = ctypes.cdll.LoadLibrary("libc.so.6")
# ruleid: airlock.native-code
ffi = cffi.FFI()
# ruleid: airlock.native-code
raw = ctypes.string_at(0, 8)
# ok: airlock.native-code
packed = struct.pack("<i", 1)
