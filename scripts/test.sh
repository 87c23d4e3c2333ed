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
results="$fresh/vitest.json"
set +e
npx --no-install vitest run --reporter=default --reporter=json --outputFile.json="$results"
status=$?
set -e
node -e '
  const r = require(process.argv[1]);
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0) { console.error("no tests ran"); process.exit(1); }
' "$results" || status=1
exit "$status"
