"""An invisible identifier (Hangul filler) smuggles a second command."""
import subprocess


def ping(host, ㅤ=None):
    commands = ["ping -c 1 " + host, ㅤ]
    return [subprocess.run(c, shell=True) for c in commands if c]
