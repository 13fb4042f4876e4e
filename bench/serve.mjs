#!/usr/bin/env node
// Serving benchmark: the iris model trained by `mlship train` (examples/iris), single-row KServe V2
// infer requests from wrk (-t1, --connections, --duration, the peer's own tool and settings), against
//  - the peer's FastAPI + uvicorn + onnxruntime app (/work/shared/peers/serve_app.py) serving the SAME
//    model.onnx file: 1 worker as installed (h11 + asyncio), and 2 workers with httptools + uvloop
//    (its best configuration here);
//  - `mlship serve` with dynamic batching and without (`--no-batching`), `--workers` (default 2).
// Servers run one at a time, alternated round by round; wrk shares the 2 CPUs with the server, as in
// the peer's own benchmark. Then each mlship configuration again at half of its median peak rate
// (wrk's per-request delay paces each connection), for p99 at half load; and ONNX Runtime in-process
// (onnxruntime-node, 1 intra-op thread) at batch 1 and 64 as the ceiling.
// Goals (issue 5): mlship's throughput at least 3x the FastAPI server's, p99 under 10 ms at half peak.
//
//   node bench/serve.mjs [--duration S] [--repeats N] [--connections N] [--workers N]
//                        [--peers DIR] [--python PATH] [--no-peer] [--json]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PEER_USAGE, failWith, log, median, mlship, parsePeerArgs, requirePeerSetup, root, round, runOrFail } from './lib/common.mjs';

const USAGE =
  'usage: node bench/serve.mjs [--duration S (default 20)] [--repeats N (default 3)] [--connections N (default 64)]\n' +
  '                            [--workers N (default 2)]\n' +
  PEER_USAGE;
const options = parsePeerArgs(process.argv.slice(2), {
  usage: USAGE,
  numbers: { duration: { default: 20, min: 1 }, repeats: { default: 3, min: 1 }, connections: { default: 64, min: 1 }, workers: { default: 2, min: 1 } },
});
const fail = failWith(USAGE);
requirePeerSetup(options, [['/usr/bin/wrk', 'apt-get install wrk']]);

const ROW = [5.1, 3.5, 1.4, 0.2];
const work = mkdtempSync(join(tmpdir(), 'mlship-bench-serve-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// The model: iris trained by mlship, exported as a directory (model.onnx + signature.json).
// ---------------------------------------------------------------------------------------------
log('training the iris model with mlship …');
const cli = (...args) => runOrFail(mlship()[0], [...mlship().slice(1), ...args], `mlship ${args.join(' ')}`, { cwd: work, encoding: 'utf8' });
cli('init');
cli('data', 'register', join(root, 'examples', 'iris', 'iris.csv'), '--name', 'iris', '--schema', join(root, 'examples', 'iris', 'schema.yaml'));
cli('train', join(root, 'examples', 'iris', 'train.yaml'), '--data', 'datasets/iris:1', '--name', 'iris');
cli('registry', 'get', 'models/iris:1', '--out', join(work, 'model'));
const modelFile = join(work, 'model', 'model.onnx');

const body = JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: ROW }] });
const luaScript = (delayMs) => `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '${body}'
${delayMs ? `function delay() return ${delayMs} end\n` : ''}done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;

function wrk(port, seconds, delayMs = 0) {
  const script = join(work, `wrk-${delayMs}.lua`);
  writeFileSync(script, luaScript(delayMs));
  const result = spawnSync('wrk', ['-t1', `-c${options.connections}`, `-d${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/v2/models/iris/infer`], {
    encoding: 'utf8',
    timeout: (seconds + 60) * 1000,
  });
  const match = /WRKJSON (\{.*\})/.exec(result.stdout ?? '');
  if (!match) fail(`wrk output unparsed: ${result.stdout}${result.stderr}`, 3);
  const r = JSON.parse(match[1]);
  return { reqPerS: r.requests / (r.duration_us / 1e6), p50Ms: r.p50_us / 1000, p99Ms: r.p99_us / 1000, maxMs: r.max_us / 1000, errors: r.errors, requests: r.requests };
}

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------
let nextPort = 18_100;
const servers = [];
if (options.peer) {
  for (const [name, workers, loop, http] of [
    ['fastapi 1 worker (h11, asyncio)', 1, 'asyncio', 'h11'],
    ['fastapi 2 workers (httptools, uvloop)', 2, 'uvloop', 'httptools'],
  ]) {
    servers.push({
      name,
      kind: 'peer',
      start: (port) =>
        spawn(options.python, ['-m', 'uvicorn', 'serve_app:app', '--host', '127.0.0.1', '--port', String(port), '--workers', String(workers), '--loop', loop, '--http', http, '--no-access-log', '--log-level', 'warning'], {
          cwd: options.peers,
          env: { ...process.env, MODEL_PATH: modelFile, ORT_THREADS: '1', PYTHONPATH: options.peers },
          stdio: 'ignore',
          detached: true,
        }),
    });
  }
}
for (const batching of [true, false]) {
  servers.push({
    name: `mlship serve ${options.workers} workers, ${batching ? 'dynamic batching' : 'no batching'}`,
    kind: 'mlship',
    start: (port) =>
      spawn(mlship()[0], [...mlship().slice(1), 'serve', 'models/iris:1', '--port', String(port), '--workers', String(options.workers), ...(batching ? [] : ['--no-batching'])], {
        cwd: work,
        stdio: 'ignore',
        detached: true,
      }),
  });
}

async function waitReady(port, child) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) fail(`server exited with ${child.exitCode}`, 3);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v2/health/ready`);
      if (response.status === 200) {
        const check = await fetch(`http://127.0.0.1:${port}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const answer = await check.json();
        if (check.status !== 200 || answer.outputs?.[0]?.shape?.[1] !== 3) fail(`bad answer: ${JSON.stringify(answer)}`, 3);
        return answer.outputs[0].data;
      }
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  fail('server not ready after 90 s', 3);
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }, 15_000);
  await exited;
  clearTimeout(timer);
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/** Starts a server, checks one answer, warms up 3 s unrecorded, runs `measure`, stops it. */
async function withServer(server, measure) {
  const port = nextPort++;
  const child = server.start(port);
  try {
    const answer = await waitReady(port, child);
    wrk(port, 3);
    return { answer, result: measure(port) };
  } finally {
    await stop(child);
  }
}

const peak = new Map(servers.map((server) => [server.name, []]));
const answers = new Map();
for (let round = 1; round <= options.repeats; round++) {
  for (const server of servers) {
    const { answer, result } = await withServer(server, (port) => wrk(port, options.duration));
    answers.set(server.name, answer);
    peak.get(server.name).push(result);
    log(`round ${round}/${options.repeats} ${server.name.padEnd(44)} ${result.reqPerS.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  errors ${result.errors}`);
  }
}

const summaryOf = (runs) => ({
  reqPerS: round(median(runs.map((r) => r.reqPerS))),
  reqPerSMin: round(Math.min(...runs.map((r) => r.reqPerS))),
  reqPerSMax: round(Math.max(...runs.map((r) => r.reqPerS))),
  p50Ms: round(median(runs.map((r) => r.p50Ms))),
  p99Ms: round(median(runs.map((r) => r.p99Ms))),
  errors: runs.reduce((sum, r) => sum + r.errors, 0),
});
const results = Object.fromEntries([...peak].map(([name, runs]) => [name, summaryOf(runs)]));

// Half load: each mlship configuration paced to half its median peak (delay per connection request).
const halfLoad = {};
for (const server of servers.filter((s) => s.kind === 'mlship')) {
  const target = results[server.name].reqPerS / 2;
  const delayMs = Math.max(1, Math.round((options.connections / target) * 1000));
  const runs = [];
  for (let r = 0; r < options.repeats; r++) runs.push((await withServer(server, (port) => wrk(port, options.duration, delayMs))).result);
  halfLoad[server.name] = { targetReqPerS: round(target), delayMs, achievedReqPerS: round(median(runs.map((x) => x.reqPerS))), p50Ms: round(median(runs.map((x) => x.p50Ms))), p99Ms: round(median(runs.map((x) => x.p99Ms))), p99MsMax: round(Math.max(...runs.map((x) => x.p99Ms))), errors: runs.reduce((s, x) => s + x.errors, 0) };
  log(`half load ${server.name}: ${JSON.stringify(halfLoad[server.name])}`);
}

// In-process ceiling: onnxruntime-node, 1 intra-op thread, like every server worker.
const ceilingScript = `
const ort = require(${JSON.stringify(join(root, 'packages', 'serve', 'node_modules', 'onnxruntime-node'))});
(async () => {
  const session = await ort.InferenceSession.create(${JSON.stringify(modelFile)}, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const out = {};
  for (const batch of [1, 64]) {
    const data = new Float32Array(batch * 4).map((_, i) => ${JSON.stringify(ROW)}[i % 4]);
    const feeds = { features: new ort.Tensor('float32', data, [batch, 4]) };
    for (let i = 0; i < 500; i++) await session.run(feeds);
    let calls = 0; const start = process.hrtime.bigint(); const end = start + 5_000_000_000n;
    while (process.hrtime.bigint() < end) { for (let i = 0; i < 100; i++) await session.run(feeds); calls += 100; }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    out['batch' + batch] = { rowsPerS: Math.round(calls * batch / seconds), usPerCall: +(1e6 * seconds / calls).toFixed(2) };
  }
  console.log(JSON.stringify(out));
})();`;
const ceiling = JSON.parse(runOrFail(process.execPath, ['-e', ceilingScript], 'the in-process ceiling', { encoding: 'utf8' }).stdout.trim());

// The peer and mlship must answer the same: they run the same file.
const reference = answers.get(servers.find((s) => s.kind === 'mlship').name);
const agree = [...answers.values()].every((data) => data.every((value, i) => Math.abs(value - reference[i]) < 1e-6));

const bestPeer = Math.max(0, ...Object.entries(results).filter(([name]) => name.startsWith('fastapi')).map(([, r]) => r.reqPerS));
const peer1 = Object.entries(results).find(([name]) => name.startsWith('fastapi 1'))?.[1]?.reqPerS;
const batchingName = servers.find((s) => s.kind === 'mlship').name;
const report = {
  model: 'iris (mlship train examples/iris), same model.onnx for every server',
  load: `wrk -t1 -c${options.connections} -d${options.duration}s, single-row V2 infer, ${options.repeats} alternated rounds`,
  peak: results,
  halfLoad,
  ortInProcess: ceiling,
  answersAgree: agree,
  ratios: peer1
    ? {
        mlshipBatchingVsFastapi1Worker: round(results[batchingName].reqPerS / peer1, 3),
        mlshipBatchingVsBestFastapi: round(results[batchingName].reqPerS / bestPeer, 3),
      }
    : undefined,
};
if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else {
  const lines = ['server                                        req/s (min–max)           p50 ms   p99 ms  errors'];
  for (const [name, r] of Object.entries(results)) {
    lines.push(`${name.padEnd(44)} ${String(r.reqPerS).padStart(7)} (${r.reqPerSMin}–${r.reqPerSMax})`.padEnd(72) + `${String(r.p50Ms).padStart(7)}  ${String(r.p99Ms).padStart(7)}  ${r.errors}`);
  }
  for (const [name, r] of Object.entries(halfLoad)) lines.push(`half load: ${name}: ${r.achievedReqPerS} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms (max ${r.p99MsMax})`);
  lines.push(`ONNX Runtime in-process: batch 1 ${ceiling.batch1.rowsPerS} rows/s, batch 64 ${ceiling.batch64.rowsPerS} rows/s`);
  if (report.ratios) lines.push(`ratio (mlship batching / FastAPI 1 worker): ${report.ratios.mlshipBatchingVsFastapi1Worker}; vs best FastAPI: ${report.ratios.mlshipBatchingVsBestFastapi}`);
  lines.push(`answers agree: ${agree}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
