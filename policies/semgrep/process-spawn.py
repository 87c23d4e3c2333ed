# Test target for process-spawn.yaml (`semgrep --test` layout).
import asyncio
import atexit
import multiprocessing
import os
import posix
import pty
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import Process

import _posixsubprocess
import subprocess as sp
from os import posix_spawn as start

# ruleid: airlock.process-spawn
subprocess.run(["dot", "-Tpng", "graph.dot"])
# ruleid: airlock.process-spawn
out = subprocess.check_output("ls", shell=True)
# ruleid: airlock.process-spawn
sp.Popen(["id"])
# ruleid: airlock.process-spawn
os.system("id")
# ruleid: airlock.process-spawn
pipe = os.popen("id")
# ruleid: airlock.process-spawn
os.execv("/bin/sh", ["sh"])
# ruleid: airlock.process-spawn
os.spawnlp(os.P_NOWAIT, "sleep", "sleep", "1")
# ruleid: airlock.process-spawn
pid = os.posix_spawnp("id", ["id"], {})
# ruleid: airlock.process-spawn
pid2 = start("/bin/id", ["id"], {})
# ruleid: airlock.process-spawn
child = os.fork()
# ruleid: airlock.process-spawn
posix.system("id")
# ruleid: airlock.process-spawn
pty.spawn("/bin/sh")
# ruleid: airlock.process-spawn
pid3, fd = pty.fork()
# ruleid: airlock.process-spawn
proc = asyncio.create_subprocess_exec("id")
# ruleid: airlock.process-spawn
shell = os.system
# ruleid: airlock.process-spawn
atexit.register(os.system, "id")
# ruleid: airlock.process-spawn, airlock.python-worker-processes
worker = Process(target=os.execv, args=("/bin/sh", ["sh"]))
# ruleid: airlock.process-spawn
ThreadPoolExecutor().submit(subprocess.call, ["id"])
# ruleid: airlock.process-spawn
_posixsubprocess.fork_exec([b"/bin/id"], [b"/bin/id"], True, (), None, None, -1, -1, -1, -1, -1, -1, -1, -1, False, False, -1, None, None, None, -1, None, False)
# ok: airlock.process-spawn
joined = os.path.join("out", "plot.png")
# ok: airlock.process-spawn
names = os.listdir(".")
# ok: airlock.process-spawn
code = subprocess.PIPE


def loop_spawn(loop):
    # ruleid: airlock.process-spawn
    return loop.subprocess_shell(asyncio.SubprocessProtocol, "id")


# ruleid: airlock.interpreter-override
multiprocessing.set_executable("/bin/sh")
ctx = multiprocessing.get_context("spawn")
# ruleid: airlock.interpreter-override
ctx.set_executable("/tmp/evil")
# ok: airlock.interpreter-override
ctx2 = multiprocessing.get_context("spawn")


def square(x):
    return x * x


# ruleid: airlock.python-worker-processes
with multiprocessing.Pool(2) as pool:
    squares = pool.map(square, range(4))
# ruleid: airlock.python-worker-processes
with ProcessPoolExecutor(max_workers=2) as ex:
    squares2 = list(ex.map(square, range(4)))
# ok: airlock.python-worker-processes
with ThreadPoolExecutor(max_workers=2) as tex:
    squares3 = list(tex.map(square, range(4)))
# ok: airlock.python-worker-processes
print(sys.executable)
