"""tempfile.mktemp: a predictable name another process can race."""
import tempfile

path = tempfile.mktemp()
open(path, "w").write("x")
