"""Installs a profiler hook: code that runs on every function call."""
import sys


def spy(frame, event, arg):
    print(event, frame.f_code.co_name)


sys.setprofile(spy)
