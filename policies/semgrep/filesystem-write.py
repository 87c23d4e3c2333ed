# Test target for filesystem-write.yaml (`semgrep --test` layout).
import os
import pathlib
import shutil

out_dir = os.environ["AIRLOCK_OUTPUT_DIR"]

# ruleid: airlock.write-outside-output
fh = open("/etc/cron.d/persist", "w")
# ruleid: airlock.write-outside-output
fh2 = open("/home/runner/.bashrc", mode="a")
# ruleid: airlock.write-outside-output
shutil.copy("payload.py", "/usr/local/bin/python3")
# ok: airlock.write-outside-output
summary = open(os.path.join(out_dir, "summary.csv"), "w")
# ok: airlock.write-outside-output
source = open("/usr/share/dict/words", "r")

# ruleid: airlock.delete-absolute-path
shutil.rmtree("/home/runner/work")
# ruleid: airlock.delete-absolute-path
os.remove("/etc/hosts")
# ok: airlock.delete-absolute-path
shutil.rmtree(os.path.join(out_dir, "scratch"))
# ok: airlock.write-outside-output
lookup = pathlib.Path("/usr/share/dict/words").read_text()
# ruleid: airlock.write-outside-output
pathlib.Path("/etc/cron.d/job").write_text("* * * * * root id")
