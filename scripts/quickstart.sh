#!/usr/bin/env bash
# The main job on a fresh clone: install, build, create a registry, validate and register the iris
# example, show it and compare it with its stored profile, then train a model on it (tfjs, exported to
# ONNX), gated, and show its lineage.
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
mlship train examples/iris/train.yaml --data datasets/iris:1 --name iris --gate 'accuracy>=0.8' --promote staging
mlship registry show models/iris@staging
mlship registry lineage models/iris@staging
mlship registry verify
