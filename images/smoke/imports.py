"""Every library the image bundles for analysis scripts imports cleanly."""
import importlib

from _smoke import check

NAMES = ["numpy", "pandas", "matplotlib", "matplotlib.pyplot", "networkx", "polars", "bandit"]
versions, failed = {}, {}
for name in NAMES:
    try:
        mod = importlib.import_module(name)
        versions[name] = getattr(mod, "__version__", "?")
    except Exception as e:  # noqa: BLE001 - any failure to import is the finding
        failed[name] = f"{type(e).__name__}: {e}"
detail = ", ".join(f"{k} {v}" for k, v in versions.items())
check(not failed, detail if not failed else f"failed: {failed}", versions=versions)
