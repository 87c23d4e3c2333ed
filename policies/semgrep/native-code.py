# Test target for native-code.yaml (`semgrep --test` layout).
# ruleid: airlock.native-code
import ctypes
import struct

# ruleid: airlock.native-code
import cffi
# ruleid: airlock.native-code
from ctypes import CDLL as Library
import numpy as np

# ruleid: airlock.native-code
libc = ctypes.CDLL("libc.so.6")
# ruleid: airlock.native-code
libc2 = ctypes.cdll.LoadLibrary("libc.so.6")
# ruleid: airlock.native-code
ffi = cffi.FFI()
# ruleid: airlock.native-code
raw = ctypes.string_at(0, 8)
# ruleid: airlock.native-code
libc3 = Library(None)
# ruleid: airlock.native-code
api = ctypes.pythonapi
# ruleid: airlock.native-code
handle = ffi.dlopen(None)
# ok: airlock.native-code
packed = struct.pack("<i", 1)
# ok: airlock.native-code
pointer = np.zeros(3).ctypes.data
