"""Reads an API key from the environment under a name that is not a CI secret."""
import os

key = os.environ.get("OPENAI_API_KEY", "")
print(key[:4])
