"""Dumps the whole environment (tokens, keys) to the output."""
import json
import os

print(json.dumps(dict(os.environ)))
