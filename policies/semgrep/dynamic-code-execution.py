# Test target for dynamic-code-execution.yaml (`semgrep --test` layout).
import ast
import base64
import builtins
import code
import codecs
import codeop
import importlib
import importlib.machinery
import importlib.util
import operator
import os
import pdb
import re
import runpy
import sys
import types
import zipimport
import zlib
from builtins import eval as evaluate
from concurrent.futures import ThreadPoolExecutor
from operator import attrgetter, methodcaller

import builtins as b

source = "print(1)"

# ruleid: airlock.exec-eval-compile
exec(source)
# ruleid: airlock.exec-eval-compile
value = eval("1 + 1")
# ruleid: airlock.exec-eval-compile
code_obj = compile(source, "<x>", "exec")
# ruleid: airlock.exec-eval-compile
evaluate("2 + 2")
# ruleid: airlock.exec-eval-compile
b.exec(source)
# ruleid: airlock.exec-eval-compile
run_it = exec
# ruleid: airlock.exec-eval-compile
results = list(map(eval, ["1", "2"]))
# ruleid: airlock.exec-eval-compile
ThreadPoolExecutor().submit(exec, source)
# ok: airlock.exec-eval-compile
pattern = re.compile(r"\d+")
# ok: airlock.exec-eval-compile
data = ast.literal_eval("[1, 2]")
# ok: airlock.exec-eval-compile
evaluation = {"eval": 1, "exec_time": 2}


# ruleid: airlock.builtins-lookup, airlock.reflective-lookup
fn = getattr(__builtins__, "ev" + "al")
# ruleid: airlock.builtins-lookup, airlock.reflective-lookup
fn2 = getattr(builtins, "exec")
# ruleid: airlock.builtins-lookup
fn3 = builtins.__dict__["eval"]
# ruleid: airlock.builtins-lookup
fn4 = __builtins__.__dict__["ex" + "ec"]
# ruleid: airlock.builtins-lookup, airlock.reflective-lookup
fn5 = vars(b)["eval"]
# ruleid: airlock.builtins-lookup, airlock.reflective-lookup
fn6 = sys.modules["builtins"].eval
# ruleid: airlock.builtins-lookup, airlock.reflective-lookup
fn7 = getattr(b, "compile")
# ok: airlock.builtins-lookup
width = getattr(pattern, "pattern")
# ok: airlock.builtins-lookup
total = builtins.sum([1, 2])

# ruleid: airlock.reflective-lookup
g = globals()["ev" + "al"]
# ruleid: airlock.reflective-lookup
h = globals().get("exec")
# ruleid: airlock.reflective-lookup
v = vars()["print"]
# ruleid: airlock.reflective-lookup
sysmod = sys.modules["o" + "s"]
# ruleid: airlock.reflective-lookup
frame_globals = sys._getframe(0).f_globals
# ruleid: airlock.reflective-lookup
classes = ().__class__.__base__.__subclasses__()
# ruleid: airlock.reflective-lookup
runner = getattr(os, "sys" + "tem")
# ruleid: airlock.reflective-lookup
loader = getattr(pattern, "ev" + "al")
# ruleid: airlock.reflective-lookup
caller = operator.attrgetter("system")(os)
# ruleid: airlock.reflective-lookup
popen = attrgetter("popen")
# ruleid: airlock.reflective-lookup
spawn = methodcaller("system", "id")
# ruleid: airlock.reflective-lookup, airlock.exec-eval-compile
wrapped_globals = evaluate.__globals__
# ok: airlock.reflective-lookup
score_of = attrgetter("score")
# ok: airlock.reflective-lookup
upper = methodcaller("upper")
# ok: airlock.reflective-lookup
agg = getattr(pattern, "flags")

name = "o" + "s"
# ruleid: airlock.dynamic-import, airlock.sensitive-import-by-name
mod = __import__(name)
# ruleid: airlock.dynamic-import
mod2 = importlib.import_module("".join(["sub", "process"]))
# ruleid: airlock.dynamic-import
mod3 = importlib.__import__(name)
# ok: airlock.dynamic-import
json_mod = importlib.import_module("json")
# ok: airlock.dynamic-import
csv_mod = __import__("csv")

# ruleid: airlock.sensitive-import-by-name
sp = importlib.import_module("subprocess")
# ruleid: airlock.sensitive-import-by-name
osmod = __import__("os")
# ruleid: airlock.sensitive-import-by-name
mp = importlib.import_module("multiprocessing.reduction")
# ok: airlock.sensitive-import-by-name
stats = importlib.import_module("statistics")

# ruleid: airlock.import-loader
spec = importlib.util.spec_from_file_location("helper", "/tmp/helper.py")
# ruleid: airlock.import-loader
module = importlib.util.module_from_spec(spec)
# ruleid: airlock.import-loader
spec.loader.exec_module(module)
# ruleid: airlock.import-loader
legacy = importlib.machinery.SourceFileLoader("h", "/tmp/h.py").load_module()
# ruleid: airlock.import-loader
zipped = zipimport.zipimporter("/tmp/payload.zip")
# ok: airlock.import-loader
found = importlib.util.find_spec("numpy") is not None

# ruleid: airlock.run-code
runpy.run_path("/tmp/stage2.py")
# ruleid: airlock.run-code
runpy.run_module("http.server", run_name="__main__")
# ruleid: airlock.run-code
code.InteractiveInterpreter().runsource(source)
# ruleid: airlock.run-code
compiled = codeop.compile_command(source)
# ruleid: airlock.run-code
pdb.run(source)
# ruleid: airlock.run-code
fn8 = types.FunctionType(code_obj, {})
# ruleid: airlock.run-code
co = types.CodeType(0, 0, 0, 0, 0, 0, b"", (), (), (), "", "", "", 0, b"", b"", (), ())


def helper():
    return 1


# ruleid: airlock.run-code, airlock.reflective-lookup
helper.__code__ = code_obj
# ok: airlock.run-code
module_type = types.SimpleNamespace(rows=3)

blob = base64.b64encode(b"print(2)")
# ruleid: airlock.decoded-payload-exec, airlock.exec-eval-compile
exec(base64.b64decode(blob))
# ruleid: airlock.decoded-payload-exec, airlock.exec-eval-compile
exec(zlib.decompress(zlib.compress(b"print(3)")).decode())
# ruleid: airlock.decoded-payload-exec, airlock.exec-eval-compile
eval(codecs.decode("cevag(4)", "rot13"))
# ok: airlock.decoded-payload-exec
text = base64.b64decode(blob).decode()
