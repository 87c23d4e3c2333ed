"""Writes /opt/airlock/versions.json: which tools this image really has.

Run once at image build time (as the last RUN of images/Dockerfile) so the runner
and the smoke suite can read the image's contents without starting every tool.
Each value comes from the installed thing itself, not from what the build asked
for, and the build fails here when a required tool is missing or does not import:
a broken image must not be tagged. Bandit and Semgrep come from the hash-pinned
wheels of images/python/requirements.lock; both are required.

FLAVOR is core or full (images/Dockerfile's targets). full requires Chromium and
the Mermaid CLI; core requires them ABSENT, so a core image that grew a browser
(a dependency that pulls chromium in, a copy-paste into the wrong stage) fails its
build instead of shipping twice its size and a browser's attack surface.

Usage: tool-versions.py OUTPUT_FILE FLAVOR
"""

import importlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys

MERMAID_PACKAGE = "/opt/airlock/mermaid/node_modules/@mermaid-js/mermaid-cli/package.json"
CORE = ["python", "bandit", "semgrep", "polars", "pandas", "matplotlib", "networkx", "graphviz",
        "ca-certificates", "pip", "nbclient", "ipykernel"]
# What full adds; all of it must be absent from core.
FULL_ONLY = ["mermaid-cli", "chromium", "nodejs"]


def python_library(name):
    """Version of an importable library; importing proves it loads, not just that files exist."""
    module = importlib.import_module(name)
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return getattr(module, "__version__", None)


def command_output(argv):
    if shutil.which(argv[0]) is None:
        return None
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    return (done.stdout + done.stderr).strip() if done.returncode == 0 else None


def first_version(text):
    match = re.search(r"\d+(?:\.\d+)+", text or "")
    return match.group(0) if match else None


def bandit_version():
    return first_version(command_output(["bandit", "--version"]))


def semgrep_version():
    # Runs the real binary (not the wheel's metadata): Semgrep that cannot start, e.g.
    # without a CA bundle, must fail the build here rather than every scan later.
    return first_version(command_output(["semgrep", "--version"]))


def installed_version(distribution):
    """Version of an installed distribution (pip: kept for the egress install phase)."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def ipykernel_version():
    """ipykernel's version, only if the `python3` kernel nbclient starts is registered
    and points at this venv's interpreter: an importable ipykernel without its
    kernelspec still fails every notebook run."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    version = python_library("ipykernel")
    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        return None
    argv0 = shutil.which(spec.argv[0]) if spec.argv else None
    if argv0 is None or os.path.realpath(os.path.dirname(argv0)) != os.path.realpath(os.path.dirname(sys.executable)):
        return None
    return version


def mermaid_cli_version():
    try:
        with open(MERMAID_PACKAGE, encoding="utf-8") as f:
            return json.load(f)["version"]
    except FileNotFoundError:
        return None


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("core", "full"):
        sys.exit("usage: tool-versions.py OUTPUT_FILE core|full")
    flavor = sys.argv[2]
    versions = {
        "flavor": flavor,
        "python": platform.python_version(),
        "bandit": bandit_version(),
        "semgrep": semgrep_version(),
        "polars": python_library("polars"),
        "pandas": python_library("pandas"),
        "matplotlib": python_library("matplotlib"),
        "networkx": python_library("networkx"),
        "pip": installed_version("pip"),
        "nbclient": python_library("nbclient"),
        "ipykernel": ipykernel_version(),
        # `dot -V` prints "dot - graphviz version 2.42.2 (0)" on stderr.
        "graphviz": first_version(command_output(["dot", "-V"])),
        "mermaid-cli": mermaid_cli_version(),
        # dpkg's record, not `chromium --version`: starting a browser as root at
        # build time is neither needed nor wanted.
        "chromium": command_output(["dpkg-query", "-W", "-f=${Version}", "chromium"]),
        "ca-certificates": command_output(["dpkg-query", "-W", "-f=${Version}", "ca-certificates"]),
        "nodejs": first_version(command_output(["node", "--version"])),
    }
    required = CORE + FULL_ONLY if flavor == "full" else CORE
    missing = [k for k in required if not versions.get(k)]
    if missing:
        sys.exit(f"tool-versions: missing from the {flavor} image: {', '.join(missing)}")
    if flavor == "core":
        present = [k for k in FULL_ONLY if versions.get(k)]
        # Files, too: a chromium binary from elsewhere than dpkg, a leftover mmdc.
        present += [p for p in ("/usr/bin/chromium", "/usr/local/bin/mmdc", "/opt/airlock/mermaid")
                    if os.path.exists(p)]
        if present:
            sys.exit(f"tool-versions: the core image must not have: {', '.join(present)}")
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(versions, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
