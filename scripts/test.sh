#!/usr/bin/env bash
# All of Airlock's tests, on a fresh machine: sets up what they need (scripts/setup.sh),
# then lint, type check, the dist/ freshness check, unit and integration tests against
# the real Docker engine, Bandit, git and Prometheus. Ends with one line
# "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "lint and type check"
npx --no-install biome check . 
npx --no-install tsc --noEmit -p tsconfig.json

step "dist/ equals a fresh build"
fresh="$(mktemp -d)"
trap 'rm -rf -- "$fresh"' EXIT
node scripts/build-dist.mjs "$fresh/dist"
if ! diff -r dist "$fresh/dist" >/dev/null; then
  diff -rq dist "$fresh/dist" >&2 || true
  echo "dist/ differs from a fresh build: run 'npm run build' and commit dist/" >&2
  exit 1
fi
echo "dist/ is fresh"

step "tests"
# The security suites (hostile corpus, faults, property tests, audit tamper tests) run
# once, inside scripts/evidence.sh, which also writes the evidence the security review
# packet (docs/security/REVIEW.md) cites: so CI regenerates it on every run.
results="$fresh/vitest.json"
set +e
npx --no-install vitest run \
  --exclude 'test/integration/hostile/**' --exclude 'test/integration/faults/**' \
  --exclude 'test/unit/property/**' --exclude 'test/unit/audit/**' \
  --reporter=default --reporter=json --outputFile.json="$results"
status=$?
set -e

step "security evidence (hostile corpus, faults, property and audit tamper tests, smoke, SARIF validation)"
set +e
bash scripts/evidence.sh "${AIRLOCK_EVIDENCE_OUT:-evidence}"
evidence_status=$?
set -e
[ "$evidence_status" -eq 0 ] || status=1

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0, total = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) { console.error(`missing test results: ${f}`); failed += 1; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
    // Name each failure at the end too: CI logs are often read from the tail.
    const firstLine = (text) => String(text ?? "").split("\n")[0].slice(0, 300);
    for (const file of r.testResults ?? []) {
      const where = require("path").relative(process.cwd(), file.name);
      const tests = file.assertionResults ?? [];
      for (const a of tests) {
        if (a.status === "failed") console.log(`FAILED ${where} > ${a.fullName}: ${firstLine((a.failureMessages ?? [])[0])}`);
      }
      if (tests.length === 0 && file.status === "failed") console.log(`FAILED ${where}: ${firstLine(file.message)}`);
    }
    skipped += r.numPendingTests + r.numTodoTests; total += r.numTotalTests;
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (total === 0) { console.error("no tests ran"); process.exit(1); }
  if (failed) process.exit(1);
' "$results" "${AIRLOCK_EVIDENCE_OUT:-evidence}/vitest-security.json" "${AIRLOCK_EVIDENCE_OUT:-evidence}/vitest-audit.json" || status=1
exit "$status"
