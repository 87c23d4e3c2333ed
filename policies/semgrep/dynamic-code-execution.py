# Test target for dynamic-code-execution.yaml (`semgrep --test` layout).
import ast
import base64
import builtins
import codecs
import importlib
import re
import zlib

source = "print(1)"

# ruleid: airlock.exec-eval-compile
exec(source)
# ruleid: airlock.exec-eval-compile
value = eval("1 + 1")
# ruleid: airlock.exec-eval-compile
code = compile(source, "<x>", "exec")
# ok: airlock.exec-eval-compile
pattern = re.compile(r"\d+")
# ok: airlock.exec-eval-compile
data = ast.literal_eval("[1, 2]")

# ruleid: airlock.builtins-lookup
fn = getattr(__builtins__, "ev" + "al")
# ruleid: airlock.builtins-lookup
fn2 = getattr(builtins, "exec")
# ruleid: airlock.builtins-lookup
fn3 = builtins.__dict__["eval"]
# ok: airlock.builtins-lookup
width = getattr(pattern, "pattern")

name = "o" + "s"
# ruleid: airlock.dynamic-import
mod = __import__(name)
# ruleid: airlock.dynamic-import
mod2 = importlib.import_module("".join(["sub", "process"]))
# ok: airlock.dynamic-import
json_mod = importlib.import_module("json")
# ok: airlock.dynamic-import
csv_mod = __import__("csv")

blob = base64.b64encode(b"print(2)")
# ruleid: airlock.decoded-payload-exec, airlock.exec-eval-compile
exec(base64.b64decode(blob))
# ruleid: airlock.decoded-payload-exec, airlock.exec-eval-compile
exec(zlib.decompress(zlib.compress(b"print(3)")).decode())
# ruleid: airlock.decoded-payload-exec, airlock.exec-eval-compile
eval(codecs.decode("cevag(4)", "rot13"))
# ok: airlock.decoded-payload-exec
text = base64.b64decode(blob).decode()
