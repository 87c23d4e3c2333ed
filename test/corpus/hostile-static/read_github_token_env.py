"""Reads the CI token from the environment."""
import os

token = os.environ["GITHUB_TOKEN"]
print(token[:4])
