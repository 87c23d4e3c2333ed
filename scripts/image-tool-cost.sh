#!/usr/bin/env bash
# What each tool costs in a sandbox image (docs/image.md, "What each tool costs"):
# for a Debian package, the packages `apt-get -s remove --auto-remove` would take out
# with it (libraries shared with another tool are not counted); for a directory, its
# files. Prints one table row per tool: raw bytes of the files, and the same files
# as `tar | gzip -c` (how a registry layer is compressed).
#   scripts/image-tool-cost.sh IMAGE
# Runs in the image as root with no network; a tool the image lacks prints 0.
set -euo pipefail
image="${1:?usage: scripts/image-tool-cost.sh IMAGE}"
exec docker run --rm -i --network none --user 0:0 --entrypoint bash "$image" -s <<'IN_IMAGE'
set -u
mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1e6 }'; }
row() { echo "| $1 | $(mb "$2") | $(mb "$3") | $4 |"; }
pkgs() { # label, packages...
  local label=$1; shift
  local set
  set=$(apt-get -s remove --auto-remove "$@" 2>/dev/null | awk '/^Remv /{print $2}' | sort -u)
  if [ -z "$set" ]; then row "$label" 0 0 "not installed"; return; fi
  local list; list=$(mktemp)
  for p in $set; do dpkg -L "$p" 2>/dev/null; done | sort -u \
    | while IFS= read -r f; do [ -f "$f" ] && [ ! -L "$f" ] && printf '%s\n' "$f"; done > "$list"
  local raw gz
  raw=$(tr '\n' '\0' < "$list" | xargs -0 -r stat -c %s | awk '{s+=$1} END{print s+0}')
  gz=$(tar -c -T "$list" 2>/dev/null | gzip -c | wc -c)
  row "$label" "$raw" "$gz" "$(echo "$set" | wc -l) Debian packages"
}
dir() { # label, paths...
  local label=$1; shift
  local have=(); for p in "$@"; do [ -e "$p" ] && have+=("$p"); done
  if [ "${#have[@]}" = 0 ]; then row "$label" 0 0 "not present"; return; fi
  row "$label" "$(find "${have[@]}" -type f -printf '%s\n' | awk '{s+=$1} END{print s+0}')" \
    "$(tar -c "${have[@]}" 2>/dev/null | gzip -c | wc -c)" "${have[*]}"
}
dists() { # label, Python distributions... (their installed files, as pip recorded them)
  local label=$1; shift
  local list; list=$(mktemp)
  /opt/airlock/venv/bin/python3 - "$@" > "$list" <<'PY'
import importlib.metadata as md, os, sys
for name in sys.argv[1:]:
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        continue
    for f in dist.files or []:
        path = os.path.realpath(dist.locate_file(f))
        if os.path.isfile(path):
            print(path)
PY
  if [ ! -s "$list" ]; then row "$label" 0 0 "not installed"; return; fi
  row "$label" "$(tr '\n' '\0' < "$list" | xargs -0 -r stat -c %s | awk '{s+=$1} END{print s+0}')" \
    "$(sort -u "$list" | tar -c -T - 2>/dev/null | gzip -c | wc -c)" "$# distributions: $*"
}
sp=/opt/airlock/venv/lib/python3.11/site-packages
echo "| tool | raw | compressed | what was counted |"
echo "| --- | --- | --- | --- |"
dir "Semgrep (wheel, with semgrep-core)" "$sp/semgrep" "$sp/semdep"
dir "Polars (polars + polars-runtime-32)" "$sp/polars" "$sp/_polars_runtime_32" "$sp/polars_runtime_32"
dir "Bandit" "$sp/bandit"
dir "the whole venv (the three above and Semgrep's dependencies)" /opt/airlock/venv
dists "pip (kept for the egress install phase)" pip
# The notebook executor: nbclient, ipykernel and what only they pull in (packages
# Semgrep also uses, such as jsonschema and Pygments, are not counted).
nb_stack="nbclient nbformat fastjsonschema jupyter-client jupyter-core traitlets platformdirs pyzmq tornado
  python-dateutil tzdata ipykernel comm ipython ipython-pygments-lexers matplotlib-inline nest-asyncio2 psutil
  pexpect ptyprocess prompt-toolkit wcwidth stack-data executing asttokens pure-eval jedi parso debugpy"
# shellcheck disable=SC2086 # one word per distribution
dists "notebook executor (nbclient + ipykernel + their own dependencies)" $nb_stack
dists "  of which IPython" ipython
dists "  of which debugpy (ipykernel's debugger)" debugpy
dists "  of which jedi + parso (IPython's completion)" jedi parso
dists "  of which pyzmq + tornado" pyzmq tornado
pkgs "matplotlib" python3-matplotlib
pkgs "pandas" python3-pandas
pkgs "networkx" python3-networkx
pkgs "matplotlib + pandas + networkx (with NumPy, SciPy, BLAS)" python3-matplotlib python3-pandas python3-networkx
pkgs "Graphviz" graphviz
pkgs "ca-certificates (Semgrep needs it)" ca-certificates
pkgs "Chromium" chromium
pkgs "Node.js" nodejs
dir "Mermaid CLI (node_modules)" /opt/airlock/mermaid
IN_IMAGE
