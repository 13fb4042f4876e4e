#!/usr/bin/env bash
# Installs everything (Debian packages, node modules), builds, and runs the whole check:
# typecheck, lint, docs freshness and the full test suite. Tests start their own servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
. scripts/ensure-pnpm.sh
$PNPM install --frozen-lockfile
$PNPM run build
$PNPM run lint
$PNPM run docs:check
results="$(mktemp -d)/jest-results.json"
status=0
$PNPM test --json --outputFile="$results" || status=$?
# One plain closing line for CI systems that read it.
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$results" || true
exit "$status"
