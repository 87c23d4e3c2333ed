# Test target for secrets-access.yaml (`semgrep --test` layout).
import json
import netrc
import os
import posix
import socket
from pathlib import Path

import pandas as pd

# ruleid: airlock.environment-read
home = os.environ["HOME"]
# ruleid: airlock.environment-read
user = os.getenv("USER", "nobody")
# ok: airlock.environment-read
out_dir = os.environ["AIRLOCK_OUTPUT_DIR"]
# ok: airlock.environment-read
out_dir2 = os.getenv("AIRLOCK_OUTPUT_DIR")
# ok: airlock.environment-read
os.environ["MPLBACKEND"] = "Agg"

# ruleid: airlock.environment-dump
everything = dict(os.environ)
# ruleid: airlock.environment-dump
pairs = os.environ.items()
# ruleid: airlock.environment-dump
frame = pd.Series(os.environ)
# ruleid: airlock.environment-dump
merged = {**os.environ}
# ruleid: airlock.environment-dump
for variable in os.environ:
    print(variable)
# ruleid: airlock.environment-dump
raw_env = posix.environ
# ok: airlock.environment-dump
sep = os.sep

# ruleid: airlock.ci-secret-name, airlock.environment-read, airlock.secret-env-read
token = os.environ["GITHUB_TOKEN"]
# ruleid: airlock.ci-secret-name
name = "ACTIONS_RUNTIME_TOKEN"
# ruleid: airlock.ci-secret-name
assembled = "GITHUB_" + "TOKEN"
# ok: airlock.ci-secret-name
label = "GITHUB_TOKENS_ARE_NOT_USED_HERE"

# ruleid: airlock.secret-env-read, airlock.environment-read
key = os.getenv("OPENAI_API_KEY")
# ruleid: airlock.secret-env-read, airlock.environment-read
pw = os.environ.get("DB_PASSWORD", "")
# ok: airlock.secret-env-read
os.environ["TOKENIZERS_PARALLELISM"] = "false"
# ruleid: airlock.environment-read
parallel = os.environ.get("TOKENIZERS_PARALLELISM", "false")
# ok: airlock.secret-env-read
threads = os.environ.get("AIRLOCK_OUTPUT_DIR", ".")

# ruleid: airlock.credential-file-read
ssh_key = open(os.path.expanduser("~/.ssh/id_rsa")).read()
# ruleid: airlock.credential-file-read
creds = (Path.home() / ".aws" / "credentials").read_text()
# ruleid: airlock.credential-file-read
environ = open("/proc/self/environ", "rb").read()
# ruleid: airlock.credential-file-read
parent_env = open("/proc/1/environ", "rb").read()
# ruleid: airlock.credential-file-read
maps = Path("/proc/self/maps").read_text()
# ruleid: airlock.credential-file-read
cfg = open("../.git/config").read()
# ruleid: airlock.credential-file-read
git_creds = Path.home().joinpath(".git-credentials").read_text()
# ruleid: airlock.credential-file-read
auth = netrc.netrc()
# ruleid: airlock.credential-file-read
shadow = open("/etc/shadow").read()
# ruleid: airlock.credential-file-read
gh_hosts = Path.home() / ".config/gh/hosts.yml"
# ruleid: airlock.credential-file-read
dotenv = open(".env").read()
# ruleid: airlock.credential-file-read
docker = socket.socket(socket.AF_UNIX).connect("/var/run/docker.sock")
# ruleid: airlock.credential-file-read
hidden = Path.home() / ("." + "ss" + "h")
# ok: airlock.credential-file-read
rows = open("data/sales.csv").read()
# ok: airlock.credential-file-read
doc = json.dumps({"file": "notes.ssh.txt"})
# ok: airlock.credential-file-read
cpu = open("sensor_env.csv").read()
