#!/usr/bin/env bash
# The main job on the bundled examples, on a fresh machine: installs and starts what
# it needs (scripts/setup.sh: Docker engine, base image, sandbox image), then gates
# examples/scripts with the built CLI (dist/), exactly as CI would, and verifies the
# audit log it wrote.
#
# The examples include a malicious script on purpose, so the gate's verdict is
# "fail" (exit 1 from `airlock gate`). This script exits 0 when the outcome is the
# expected one (the malicious script blocked, the others executed successfully) and
# 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

out=.airlock/example
keys=.airlock/example-keys
mkdir -p "$out"
if [ ! -f "$keys/private.pem" ]; then
  node dist/cli.js audit keygen --out "$keys" >/dev/null
fi

set +e
node dist/cli.js gate examples/scripts \
  --policy examples/policy.yml \
  --out "$out/artifacts" \
  --report "$out/report.json" \
  --sarif "$out/airlock.sarif" \
  --summary "$out/summary.md" \
  --audit-log "$out/audit/audit.log" \
  --signing-key "$keys/private.pem"
status=$?
set -e
echo
cat "$out/summary.md" 2>/dev/null | sed -n '1,40p'
echo
node dist/cli.js audit verify "$out/audit/audit.log" --public-key "$keys/public.pem"

echo
echo "airlock gate exited $status. Report: $out/report.json, SARIF: $out/airlock.sarif, artifacts: $out/artifacts"
node -e '
  const r = require(require("path").resolve(process.argv[1]));
  const by = Object.fromEntries(r.scripts.map((s) => [s.path.split("/").pop(), s]));
  const bad = [];
  if (by["malicious_exfiltrate.py"]?.decision !== "blocked") bad.push("malicious_exfiltrate.py was not blocked");
  for (const s of r.scripts) {
    if (s.decision === "executed" && s.execution.status !== "success") bad.push(`${s.path}: ${s.execution.status}`);
  }
  if (bad.length) { console.error("unexpected outcome:\n  " + bad.join("\n  ")); process.exit(1); }
  console.log("expected outcome: the malicious example is blocked, every executed example succeeded");
' "$out/report.json"
