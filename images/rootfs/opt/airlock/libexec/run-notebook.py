"""Runs a gated notebook headless in the sandbox and writes its executed copy.

Usage: run-notebook.py NOTEBOOK

The gate stages NOTEBOOK as the notebook whose code cells hold exactly the scanned
code (src/notebook: shell escapes and magics already replaced by `pass`), so what the
kernel runs is what Bandit and Semgrep read. nbclient (the executor Jupyter's own
`jupyter execute` uses) starts the image's `python3` kernel (ipykernel, this venv)
and runs the cells in order; the kernel and this client talk ZMQ over unix sockets
in the run's tmpfs. Nothing here opens a network port or reaches a network.

Outcome, as for a script: exit 0 when every cell ran; exit 1 when a cell raised (its
cell number, error and traceback on stderr), the executed copy written up to and
including the failed cell either way, to $AIRLOCK_OUTPUT_DIR/<NOTEBOOK's name>, so it
comes back as an artifact with the files the cells wrote. The cells' printed output
goes to this process's stdout/stderr too, so the run's report shows it. No cell time
limit of our own: the sandbox's timeout ends the whole run.
"""

import os
import re
import sys
import tempfile
import warnings

# Before jupyter_core is imported: its platformdirs paths (under HOME=/tmp), without
# the deprecation warning that would otherwise land in every run's stderr.
os.environ["JUPYTER_PLATFORM_DIRS"] = "1"

import nbformat  # noqa: E402  (after the environment above)
from jupyter_client.manager import KernelManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellExecutionError, DeadKernelError  # noqa: E402
from nbformat.warnings import MissingIDFieldWarning  # noqa: E402

# nbformat fills in missing cell ids itself; its warning would only be noise in the
# run's stderr (the gate's staged notebooks have ids; a hand-made one may not).
warnings.simplefilter("ignore", MissingIDFieldWarning)

KERNEL = "python3"
# IPython would keep a history database in HOME; a run has no use for it.
# --matplotlib=inline: figures show in the executed copy as PNGs (what `%matplotlib
# inline`, removed from the cells with every magic, asked for), set up before the
# first cell; the image's default backend, Agg, would drop them. savefig works either way.
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False", "--matplotlib=inline"]
KERNEL_START_SECONDS = 120  # IPython's start-up on a loaded 2-core runner took ~3 s
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def write_executed(nb, name):
    out_dir = os.environ.get("AIRLOCK_OUTPUT_DIR")
    if not out_dir:
        return None
    target = os.path.join(out_dir, name)
    # A temp file and rename: a file or link of that name the cells created is replaced,
    # never written through.
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".executed-", suffix=".ipynb")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)
    os.chmod(tmp, 0o644)  # as any file a script writes; mkstemp made it 0600
    os.replace(tmp, target)
    return target


def echo_streams(nb):
    """The cells' stdout/stderr, in cell order, as the run's own."""
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "stream":
                stream = sys.stderr if out.get("name") == "stderr" else sys.stdout
                stream.write(out.get("text", ""))
    sys.stdout.flush()


def first_error(nb):
    for number, cell in enumerate(nb.cells, start=1):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                return number, out
    return None, None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: run-notebook.py NOTEBOOK")
    path = sys.argv[1]
    nb = nbformat.read(path, as_version=4)
    # IPC: the kernel's five ZMQ channels are unix sockets beside its connection file
    # (under HOME, the tmpfs), not TCP ports on 127.0.0.1: nothing listens on a port
    # another process in the container could reach, and the traffic is not the plain-
    # text TCP IPython warns about on every start.
    client = NotebookClient(
        nb,
        km=KernelManager(kernel_name=KERNEL, transport="ipc",
                         ip=os.path.join(tempfile.mkdtemp(prefix="airlock-kernel-"), "kernel")),
        kernel_name=KERNEL,
        timeout=None,
        startup_timeout=KERNEL_START_SECONDS,
        allow_errors=False,
        extra_arguments=KERNEL_ARGUMENTS,
        resources={"metadata": {"path": os.getcwd()}},
    )
    failed = None
    try:
        client.execute()
    except CellExecutionError as e:
        failed = e
    except (DeadKernelError, RuntimeError) as e:
        # The kernel died (out of memory, killed) or never came up: the cell that was
        # running, if any, is lost; the cells before it are in the executed copy.
        failed = e
    echo_streams(nb)
    write_executed(nb, os.path.basename(path))
    if failed is None:
        return 0
    number, error = first_error(nb)
    if error is not None:
        sys.stderr.write(f"run-notebook: cell {number} failed: {error.get('ename')}: {error.get('evalue')}\n")
        sys.stderr.write(ANSI.sub("", "\n".join(error.get("traceback", []))) + "\n")
    else:
        sys.stderr.write(f"run-notebook: {type(failed).__name__}: {ANSI.sub('', str(failed))}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
