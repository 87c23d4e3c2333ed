# Test target for secrets-access.yaml (`semgrep --test` layout).
import json
import netrc
import os
from pathlib import Path

# ruleid: airlock.environment-read
home = os.environ["HOME"]
# ruleid: airlock.environment-read
user = os.getenv("USER", "nobody")
# ok: airlock.environment-read
out_dir = os.environ["AIRLOCK_OUTPUT_DIR"]
# ok: airlock.environment-read
out_dir2 = os.getenv("AIRLOCK_OUTPUT_DIR")

# ruleid: airlock.environment-dump
everything = dict(os.environ)
# ruleid: airlock.environment-dump
pairs = os.environ.items()
# ok: airlock.environment-dump
sep = os.sep

# ruleid: airlock.ci-secret-name, airlock.environment-read
token = os.environ["GITHUB_TOKEN"]
# ruleid: airlock.ci-secret-name
name = "ACTIONS_RUNTIME_TOKEN"
# ok: airlock.ci-secret-name
label = "GITHUB_TOKENS_ARE_NOT_USED_HERE"

# ruleid: airlock.credential-file-read
key = open(os.path.expanduser("~/.ssh/id_rsa")).read()
# ruleid: airlock.credential-file-read
creds = (Path.home() / ".aws" / "credentials").read_text()
# ruleid: airlock.credential-file-read
environ = open("/proc/self/environ", "rb").read()
# ruleid: airlock.credential-file-read
cfg = open("../.git/config").read()
# ruleid: airlock.credential-file-read
auth = netrc.netrc()
# ok: airlock.credential-file-read
rows = open("data/sales.csv").read()
# ok: airlock.credential-file-read
doc = json.dumps({"file": "notes.ssh.txt"})
