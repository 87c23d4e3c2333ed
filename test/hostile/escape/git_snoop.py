"""Looks for the repository's .git (remote URLs with tokens, other branches, the
checkout's credentials) above and around the script directory. Only the script's own
directory is mounted; the test puts a .git with a marker next to it on the host."""
import os

MARKER = "AIRLOCK-HOST-" + "MARKER-7f3a"
print("ATTEMPT git-snoop", flush=True)
for path in ("/work/.git/config", "/work/../.git/config", "/.git/config", "../.git/config",
             "/github/workspace/.git/config", "/home/runner/work/.git/config"):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
        if MARKER in text:
            print("ESC" "APED read the host's .git:", path, flush=True)
        else:
            print("CONTAINED", path, "exists but is not the host's", flush=True)
    except OSError as e:
        print("CONTAINED", path, e.strerror, flush=True)
