#!/usr/bin/env bash
# The main job on a fresh clone: install, build, create a registry, validate and register the iris
# example, show it and compare it with its stored profile.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-pnpm.sh
$PNPM install --frozen-lockfile
$PNPM run build
mlship() { node bin/mlship "$@"; }
mlship init
mlship data validate examples/iris/iris.csv --schema examples/iris/schema.yaml
mlship data register examples/iris/iris.csv --name iris --schema examples/iris/schema.yaml --meta source=uci --meta example=iris
mlship registry show datasets/iris
mlship data drift datasets/iris examples/iris/iris.csv
mlship registry verify
