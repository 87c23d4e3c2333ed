# Test target for deferred-execution.yaml (`semgrep --test` layout).
import atexit
import builtins
import importlib.abc
import signal
import sys
import threading
import weakref


def tracer(frame, event, arg):
    return tracer


# ruleid: airlock.trace-hook
sys.settrace(tracer)
# ruleid: airlock.trace-hook
sys.setprofile(tracer)
# ruleid: airlock.trace-hook
threading.settrace(tracer)
# ruleid: airlock.trace-hook
sys.addaudithook(lambda event, args: None)
# ok: airlock.trace-hook
depth = sys.getrecursionlimit()


class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        return None


# ruleid: airlock.import-hook
sys.meta_path.insert(0, Finder())
# ruleid: airlock.import-hook
sys.path_hooks.append(lambda path: Finder())
# ruleid: airlock.import-hook
builtins.__import__ = lambda *a, **k: None
# ruleid: airlock.import-hook
sys.modules["json"] = Finder()
# ok: airlock.import-hook
loaded = "json" in sys.modules


def quiet(kind, value, tb):
    pass


# ruleid: airlock.exception-hook
sys.excepthook = quiet
# ruleid: airlock.exception-hook
threading.excepthook = quiet
# ruleid: airlock.exception-hook
setattr(sys, "excepthook", quiet)
# ok: airlock.exception-hook
hook = sys.__excepthook__


def cleanup():
    print("done")


# ruleid: airlock.exit-hook
atexit.register(cleanup)


# ruleid: airlock.exit-hook
@atexit.register
def flush():
    print("flushed")


# ruleid: airlock.exit-hook
class Handle:
    def __init__(self):
        self.rows = []

    def __del__(self):
        print("collected")


# ruleid: airlock.exit-hook
finaliser = weakref.finalize(Finder(), cleanup)
# ruleid: airlock.exit-hook
signal.signal(signal.SIGTERM, quiet)


# ok: airlock.exit-hook
class Plain:
    def close(self):
        print("closed")
