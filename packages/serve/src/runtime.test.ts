// The runtime entry as a process (node packages/serve/dist/runtime-main.js): graceful SIGTERM, exit
// codes and JSON lines, env fallbacks, cluster workers with aggregated metrics and admin fan-out,
// SIGHUP reload, and memory under oversized bodies.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { makeTempDir } from '@mlship/test-utils';
import { call, metricValue, slowModel, writeIris, writeModelDir } from '../test/helpers.js';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..');
const entry = join(root, 'packages/serve/dist/runtime-main.js');
const { dir } = await makeTempDir('mlship-serve-runtime-');
const irisDir = writeIris(join(dir, 'iris'));
const iris2Dir = writeIris(join(dir, 'iris2'), 2, 0.5);
const slowDir = writeModelDir(join(dir, 'slow'), slowModel(), {});
const children: ChildProcess[] = [];

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/serve'], { cwd: root, stdio: 'inherit' });
}, 120_000);

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Runtime {
  child: ChildProcess;
  url: string;
  listening: Record<string, unknown>;
  stderr: () => Record<string, unknown>[];
  exit: Promise<number | null>;
}

function runtime(args: string[], env: Record<string, string> = {}): Promise<Runtime> {
  const child = spawn(process.execPath, [entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (data) => (stderr += data));
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const parse = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return new Promise((done, fail) => {
    child.stdout!.on('data', (data) => {
      stdout += data;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        const listening = JSON.parse(line) as Record<string, unknown>;
        done({ child, url: listening.url as string, listening, stderr: () => parse(stderr), exit });
      }
    });
    void exit.then((code) => fail(Object.assign(new Error(`exited ${code}: ${stderr}`), { code, events: parse(stderr) })));
  });
}

/** A POST on a fresh connection (no keep-alive), so the cluster spreads requests across workers. */
function postFresh(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', fail);
    req.end(JSON.stringify(body));
  });
}

const row = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0] }] };

describe('runtime-main', () => {
  it('drains in-flight requests on SIGTERM, flushes the prediction log and exits 0', async () => {
    const logDir = join(dir, 'drain-log');
    const server = await runtime([slowDir, '--port', '0', '--log-dir', logDir]);
    expect(server.listening).toMatchObject({ event: 'listening', workers: 1, models: [{ name: 'slow', version: '1', providers: ['cpu'] }] });
    const inFlight = postFresh(`${server.url}/v2/models/slow/infer`, { inputs: [{ name: 'size', shape: [2], datatype: 'INT64', data: [3000, 3000] }] });
    await new Promise((wait) => setTimeout(wait, 150));
    server.child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body.outputs).toEqual([{ name: 'total', datatype: 'FP32', shape: [1, 1], data: [expect.any(Number)] }]);
    expect(await server.exit).toBe(0);
    expect(server.stderr().map((event) => event.event)).toEqual(['shutdown', 'stopped']);
    const lines = readFileSync(join(logDir, 'predictions-0.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ model: 'slow', inputs: { size: { shape: [2], values: [3000, 3000] } } });
    await expect(postFresh(`${server.url}/v2/models/slow/infer`, row)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('exits at once on a second SIGTERM during a graceful shutdown, with code 1', async () => {
    const server = await runtime([irisDir, '--port', '0', '--drain-timeout-ms', '60000']);
    // A request whose body is still arriving keeps the graceful shutdown waiting.
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('POST /v2/models/iris/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"inputs"');
    await new Promise((wait) => setTimeout(wait, 150));
    server.child.kill('SIGTERM');
    await new Promise((wait) => setTimeout(wait, 300));
    expect(server.child.exitCode).toBe(null);
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(1);
    expect(server.stderr().map((event) => event.event)).toEqual(['shutdown', 'forced-exit']);
    socket.destroy();
  });

  it('reads MLSHIP_* environment fallbacks, and exits 2 with one JSON error line for bad input', async () => {
    const tokenFile = join(dir, 'tokens');
    writeFileSync(tokenFile, '# tokens\n\nalpha-token\n');
    const server = await runtime([irisDir], { MLSHIP_PORT: '0', MLSHIP_HOST: '127.0.0.1', MLSHIP_TOKEN_FILE: tokenFile, MLSHIP_TARGET: 'gpu' });
    // No CUDA here: the gpu target falls back to the CPU and says so.
    expect(server.listening.models).toEqual([{ name: 'iris', version: '1', providers: ['cpu'], fallback: expect.stringMatching(/CUDA is not available/) }]);
    expect((await call(`${server.url}/v2/models/iris/infer`, { body: row })).status).toBe(401);
    expect((await call(`${server.url}/v2/models/iris/infer`, { body: row, headers: { authorization: 'Bearer alpha-token' } })).status).toBe(200);
    const port = new URL(server.url).port;

    const failures: [string[], Record<string, string>, string][] = [
      [[join(dir, 'missing')], {}, 'MLSHIP_E_FILE_NOT_FOUND'],
      [[irisDir, '--port', port], {}, 'MLSHIP_E_SERVE_LISTEN'],
      [[irisDir, '--port', '0', '--token-file', join(dir, 'no-tokens')], {}, 'MLSHIP_E_SERVE_OPTIONS'],
      [[irisDir, '--port', 'eighty'], {}, 'MLSHIP_E_SERVE_OPTIONS'],
      [[irisDir, '--bogus'], {}, 'MLSHIP_E_SERVE_OPTIONS'],
      [[irisDir, '--split', '1=90,2=10', '--port', '0'], {}, 'MLSHIP_E_SERVE_MODEL_DIR'],
    ];
    for (const [args, env, code] of failures) {
      const failure = (await runtime(args, env).then(
        () => ({ code: 'started', events: [] }),
        (error: { code: number; events: Record<string, unknown>[] }) => error,
      )) as { code: number | string; events: Record<string, unknown>[] };
      expect([args, failure.code, failure.events.map((e) => e.code)]).toEqual([args, 2, [code]]);
    }
    server.child.kill('SIGINT');
    expect(await server.exit).toBe(0);
  });

  it('serves with 2 workers: requests spread, /metrics aggregates, admin calls reach every worker, a dead worker is replaced, SIGHUP reloads', async () => {
    const logDir = join(dir, 'workers-log');
    const server = await runtime([irisDir, '--port', '0', '--workers', '2', '--log-dir', logDir, '--admin']);
    expect(server.listening).toMatchObject({ workers: 2 });
    const count = 40;
    for (let i = 0; i < count; i++) expect((await postFresh(`${server.url}/v2/models/iris/infer`, row)).status).toBe(200);
    const metrics = (await call(`${server.url}/metrics`)).text;
    expect(metricValue(metrics, /^mlship_inference_requests_total\{model="iris",version="1",code="200"\}/)).toBe(count);
    expect(metricValue(metrics, /^mlship_request_duration_seconds_count\{model="iris",version="1"\}/)).toBe(count);
    expect(metrics).toMatch(/^process_cpu_user_seconds_total /m);
    // Both workers served (each logs to its own file).
    await new Promise((wait) => setTimeout(wait, 300));
    const lines = (slot: number) => readFileSync(join(logDir, `predictions-${slot}.jsonl`), 'utf8').trim().split('\n').filter(Boolean).length;
    expect(lines(0)).toBeGreaterThan(0);
    expect(lines(1)).toBeGreaterThan(0);
    expect(lines(0) + lines(1)).toBe(count);

    const load = await call(`${server.url}/v2/repository/models/iris/load`, { body: { dir: iris2Dir, split: { '1': 50, '2': 50 } } });
    expect(load.status).toBe(200);
    for (let i = 0; i < 12; i++) expect((await postFresh(`${server.url}/v2/models/iris/versions/2/infer`, row)).status).toBe(200);

    // Kill one worker: the primary forks a new one, which starts with version 2 loaded too.
    const workers = readFileSync(`/proc/${server.child.pid}/task/${server.child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    expect(workers).toHaveLength(2);
    process.kill(workers[0]!, 'SIGKILL');
    const deadline = Date.now() + 20_000;
    while (!server.stderr().some((event) => event.event === 'worker-ready') && Date.now() < deadline) await new Promise((wait) => setTimeout(wait, 100));
    expect(server.stderr().filter((event) => ['worker-exit', 'worker-ready'].includes(event.event as string)).map((event) => event.event)).toEqual(['worker-exit', 'worker-ready']);
    for (let i = 0; i < 12; i++) expect((await postFresh(`${server.url}/v2/models/iris/versions/2/infer`, row)).status).toBe(200);

    server.child.kill('SIGHUP');
    while (!server.stderr().some((event) => event.event === 'reloaded') && Date.now() < deadline + 10_000) await new Promise((wait) => setTimeout(wait, 100));
    expect(server.stderr().find((event) => event.event === 'reloaded')).toMatchObject({ versions: ['1', '2'] });

    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    expect(existsSync(`/proc/${workers[1]}`)).toBe(false);
  });

  it('answers 413 to 56 oversized bodies, 8 at a time, without its memory growing', async () => {
    const server = await runtime([irisDir, '--port', '0']);
    const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))![1]) / 1024;
    const huge = Buffer.alloc(16 * 1024 * 1024, 0x31);
    const send = async (chunked: boolean) => {
      const body = chunked ? new Blob([huge]).stream() : huge;
      const response = await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body, ...(chunked ? { duplex: 'half' } : {}) } as RequestInit);
      await response.text();
      return response.status;
    };
    // Eight at a time: a server that buffered bodies would hold 128 MiB at once. The bound leaves
    // room for allocator noise on a loaded machine. Warm-up first: V8 grows its young generation to
    // fit the discarded chunks, then stays there.
    const sendEight = async () => expect(await Promise.all(Array.from({ length: 8 }, (_, i) => send(i % 2 === 1)))).toEqual(Array(8).fill(413));
    for (let i = 0; i < 3; i++) await sendEight();
    const before = rss();
    for (let i = 0; i < 7; i++) await sendEight();
    const after = rss();
    expect(after - before).toBeLessThan(32);
    expect((await call(`${server.url}/v2/models/iris/infer`, { body: row })).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
  });
});
