#!/usr/bin/env bash
# Installs everything (Debian packages, node modules), builds, and runs the whole check:
# typecheck, lint, docs freshness and the full test suite. Tests start their own servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
. scripts/ensure-pnpm.sh
$PNPM install --frozen-lockfile
$PNPM run check
