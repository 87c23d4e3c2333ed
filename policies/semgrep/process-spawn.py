# Test target for process-spawn.yaml (`semgrep --test` layout).
import asyncio
import os
import pty
import subprocess

# ruleid: airlock.process-spawn
subprocess.run(["dot", "-Tpng", "graph.dot"])
# ruleid: airlock.process-spawn
out = subprocess.check_output("ls", shell=True)
# ruleid: airlock.process-spawn
os.system("id")
# ruleid: airlock.process-spawn
pipe = os.popen("id")
# ruleid: airlock.process-spawn
os.execv("/bin/sh", ["sh"])
# ruleid: airlock.process-spawn
os.spawnlp(os.P_NOWAIT, "sleep", "sleep", "1")
# ruleid: airlock.process-spawn
pty.spawn("/bin/sh")
# ruleid: airlock.process-spawn
proc = asyncio.create_subprocess_exec("id")
# ok: airlock.process-spawn
joined = os.path.join("out", "plot.png")
# ok: airlock.process-spawn
names = os.listdir(".")
