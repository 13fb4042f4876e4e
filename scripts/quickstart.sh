#!/usr/bin/env bash
# The main job on a fresh clone: install, build, create a registry, register the iris example, show it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-pnpm.sh
$PNPM install --frozen-lockfile
$PNPM run build
mlship() { node bin/mlship "$@"; }
mlship init
mlship registry put datasets/iris examples/iris/iris.csv --meta source=uci --meta example=iris
mlship registry show datasets/iris
mlship registry verify
