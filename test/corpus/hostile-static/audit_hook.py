"""Adds an audit hook: code that runs on every audited interpreter event."""
import sys


def watch(event, args):
    if event == "open":
        print("opened", args[0])


sys.addaudithook(watch)
