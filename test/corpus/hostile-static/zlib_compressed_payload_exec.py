"""A compressed payload, decompressed and executed."""
import zlib

BLOB = zlib.compress(b"print('stage two')")
exec(zlib.decompress(BLOB).decode())
