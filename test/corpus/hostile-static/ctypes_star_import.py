"""from ctypes import *: CDLL appears without the ctypes prefix."""
from ctypes import *

CDLL(None).system(b"id")
