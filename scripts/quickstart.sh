#!/usr/bin/env bash
# The main job on a fresh clone: install, build, create a registry, validate and register the iris
# example, show it and compare it with its stored profile, then train a model on it (tfjs, exported to
# ONNX), gated, show its lineage, compress it to float16 weights, and serve it: one KServe V2 request and one /v1/predict request.
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
mlship compress models/iris@staging --method fp16 --name iris-fp16 --latency-calls 200
mlship registry verify
port=$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
node bin/mlship serve models/iris@staging --port "$port" --workers 1 &  # not the function: $! must be node itself
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  node -e "fetch('http://127.0.0.1:$port/v2/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break
  sleep 0.2
done
post() { node -e "fetch('http://127.0.0.1:$port$1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: process.argv[1] }).then(async (r) => { console.log(r.status, await r.text()); process.exit(r.ok ? 0 : 1); })" "$2"; }
post /v2/models/iris/infer '{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[5.1,3.5,1.4,0.2]}]}'
post /v1/predict '{"instances":[{"sepal_length":6.3,"sepal_width":3.3,"petal_length":6.0,"petal_width":2.5}]}'
kill -TERM $server && wait $server
