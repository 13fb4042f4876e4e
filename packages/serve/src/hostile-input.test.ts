/** @jest-environment ./packages/serve/test/main-realm-environment.js */
// Requests built to hurt the server: values nested thousands deep, queued memory, unauthorized bodies,
// admin calls from web pages and foreign Host names, model directories that are not what they seem.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeTempDir } from '@mlship/test-utils';
import { describeValue, HttpError } from './errors.js';
import { startServer, type ServeEvent } from './index.js';
import { readTensorData } from './tensor-json.js';
import { call, rowSumModel, serverPool, wideModel, writeIris, writeModelDir } from '../test/helpers.js';

const { dir } = await makeTempDir('mlship-serve-hostile-');
const irisDir = writeIris(join(dir, 'iris'));
const serve = serverPool(dir, [irisDir]);

/** JSON text of an array nested `depth` deep around `inner` (built as text: JSON.stringify itself would overflow). */
function deepArray(depth: number, inner = '1'): string {
  return `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
}

/** Sends raw bytes and resolves with what the server answers before it closes (or `waitMs` passes). */
function raw(url: string, text: string, waitMs: number): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (data) => (received += data.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('error', () => undefined);
    socket.write(text);
  });
}

describe('values nested thousands deep', () => {
  it('answers 400 to a 20,000-deep name, data element and V1 instance, and keeps serving', async () => {
    const events: ServeEvent[] = [];
    const server = await serve({ onEvent: (event) => events.push(event) });
    const deep = deepArray(20_000);
    const infer = `${server.url}/v2/models/iris/infer`;
    const cases: [string, string, RegExp][] = [
      [infer, `{"inputs":[{"name":${deep},"shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}`, /unknown input \[\[\[\[/],
      [infer, `{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[1,2,3,${deep}]}]}`, /element 3 \(\[\[\[\[/],
      [infer, `{"inputs":[{"name":"features","shape":[1,4],"datatype":"INT32","data":[1,2,3,${deep}]}]}`, /element 3 \(\[\[\[\[/],
      [infer, `{"inputs":[{"name":"features","shape":[1,4],"datatype":${deep},"data":[1,2,3,4]}]}`, /unknown datatype/],
      [infer, `{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"outputs":[{"name":${deep}}]}`, /unknown output/],
      [`${server.url}/v1/predict`, `{"instances":[[1,2,3,${deep}]]}`, /"colour" needs a category value, got \[\[\[\[/],
      [`${server.url}/v1/predict`, `{"instances":[[${deep},2,3,"red"]]}`, /"sepal_length" needs a finite number, got \[\[\[\[/],
      [`${server.url}/v1/predict`, `{"instances":[[1,2,3,"red"],[1,2,{"a":${deep}},"red"]]}`, /instance 1: feature "petal_length" needs a finite number/],
      [`${server.url}/v1/predict`, `{"instances":${deep}}`, /instance 0/],
    ];
    for (const [url, body, message] of cases) {
      expect(body.length).toBeGreaterThan(40_000);
      const response = await call(url, { body });
      expect([response.status, response.body?.error]).toEqual([400, expect.stringMatching(message)]);
      expect(response.body.error.length).toBeLessThan(400);
    }
    const ok = await call(infer, { body: { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0] }] } });
    expect(ok.status).toBe(200);
    expect(events.filter((event) => event.event === 'error')).toEqual([]);
  });

  it('refuses nested data deeper than 32 levels before walking it (a model of unknown rank)', () => {
    const shape = new Array<number>(20_000).fill(1);
    const data = JSON.parse(deepArray(20_000)) as unknown;
    let thrown: unknown;
    try {
      readTensorData('input "x"', 'FP32', 'float32', shape, data, 1_000_000);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HttpError);
    expect((thrown as HttpError).status).toBe(400);
    expect((thrown as HttpError).message).toMatch(/rank 20000; at most 32/);
  });

  it('answers 400 to a V1 instance nested 20,000 deep for a model whose rows are nested', async () => {
    const server = await serve({}, [writeModelDir(join(dir, 'rowsum'), rowSumModel(), {}, { name: 'rowsum', version: 1 })]);
    const response = await call(`${server.url}/v1/predict`, { body: `{"instances":[${deepArray(20_000)}]}` });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/rank 20001; at most 32/);
    expect((await call(`${server.url}/v1/predict`, { body: { instances: [[1, 2, 3]] } })).body).toMatchObject({ predictions: [[6]] });
  });

  it('describes any client value briefly, without throwing', () => {
    const deep = JSON.parse(deepArray(50_000)) as unknown;
    expect(describeValue(deep)).toBe('[[[[[…]]]]]');
    expect(describeValue('x'.repeat(1000))).toBe(`"${'x'.repeat(39)}…`);
    expect(describeValue({ a: 1, b: [true, null] })).toBe('{"a":1,"b":[true,null]}');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(new Array(1000).fill(12345)).length).toBeLessThanOrEqual(41);
  });
});

describe('queued memory', () => {
  it('answers 503 when the queued elements would pass maxQueueElements, and 400 to a request that can never fit', async () => {
    const wideDir = writeModelDir(join(dir, 'wide'), wideModel(100), {}, { name: 'wide', version: 1 });
    // Rows are plenty; 250 elements hold two rows of 100 at most. A long batching wait keeps them queued.
    const server = await serve({ maxQueueRows: 1000, maxQueueElements: 250, maxQueueDelayMicros: 300_000, maxBatchSize: 64 }, [wideDir]);
    const one = { inputs: [{ name: 'values', shape: [1, 100], datatype: 'FP32', data: new Array(100).fill(1) }] };
    const responses = await Promise.all(Array.from({ length: 5 }, () => call(`${server.url}/v2/models/wide/infer`, { body: one })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503, 503]);
    const rejected = responses.find((response) => response.status === 503)!;
    expect(rejected.body.error).toMatch(/queue of wide version 1 is full \(250 elements\)/);
    const tooBig = await call(`${server.url}/v2/models/wide/infer`, { body: { inputs: [{ name: 'values', shape: [3, 100], datatype: 'FP32', data: new Array(300).fill(1) }] } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error).toMatch(/300 elements; at most 250 fit the queue/);
  });
});

describe('Expect: 100-continue', () => {
  it('answers 401, not 100 Continue, to a request without a valid token', async () => {
    const server = await serve({ tokens: ['s3cret'] });
    const body = JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0] }] });
    const head = (auth: string) => `POST /v2/models/iris/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n${auth}Content-Length: ${body.length}\r\n\r\n`;
    const refused = await raw(server.url, head(''), 1500);
    expect(refused).toMatch(/^HTTP\/1\.1 401/);
    expect(refused).not.toContain('100 Continue');
    const wrong = await raw(server.url, head('Authorization: Bearer nope\r\n'), 1500);
    expect(wrong).toMatch(/^HTTP\/1\.1 401/);
    expect(wrong).not.toContain('100 Continue');
  });
});

describe('discarding after 413', () => {
  it('cuts a connection that keeps sending past the limit once the body timeout passes', async () => {
    const server = await serve({ maxBodyBytes: 1024, bodyTimeoutMs: 500 });
    const { port } = new URL(server.url);
    const started = Date.now();
    const text = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (data) => (received += data.toString()));
      socket.on('error', () => undefined);
      socket.write('POST /v2/models/iris/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = 'x'.repeat(2000);
      const writer = setInterval(() => !socket.destroyed && socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`), 50);
      const give = setTimeout(() => socket.destroy(), 5000);
      socket.on('close', () => {
        clearInterval(writer);
        clearTimeout(give);
        resolve(received);
      });
    });
    expect(text).toMatch(/^HTTP\/1\.1 413/);
    // The body timeout (500 ms) ends it, not Node's own request timeout (1.5 s and later).
    expect(Date.now() - started).toBeLessThan(1200);
  });
});

/** One request with headers fetch would not send as given (Host, Origin); resolves with status and JSON body. */
function send(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port), path, method: options.method ?? 'POST', headers: options.headers ?? {} }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const SPLIT = '/v2/repository/models/iris/split';
const splitBody = JSON.stringify({ split: { '1': 1 } });

async function currentSplit(url: string): Promise<unknown> {
  const index = await call(`${url}/v2/repository/index`, { body: {} });
  expect(index.status).toBe(200);
  return index.body.split;
}

describe('the admin API against web pages', () => {
  it('is off unless asked for (adminApi, --admin) or given admin tokens', async () => {
    const server = await serve({});
    const refused = await call(`${server.url}/v2/repository/index`, { body: {} });
    expect([refused.status, refused.body.error]).toEqual([403, expect.stringMatching(/--admin\b/)]);
    const enabled = await serve({ adminApi: true });
    expect((await call(`${enabled.url}/v2/repository/index`, { body: {} })).status).toBe(200);
  });

  it('answers 415 to an admin body that is not application/json (what a page may send without a preflight)', async () => {
    const server = await serve({ adminApi: true });
    const host = new URL(server.url).host;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const response = await send(server.url, SPLIT, { headers: { host, ...(type ? { 'content-type': type } : {}) }, body: splitBody });
      expect([type, response.status, response.body.error]).toEqual([type, 415, expect.stringMatching(/application\/json/)]);
    }
    expect(await currentSplit(server.url)).toBeNull();
    const json = await send(server.url, SPLIT, { headers: { host, 'content-type': 'application/json; charset=utf-8' }, body: splitBody });
    expect(json.status).toBe(200);
    expect(await currentSplit(server.url)).toEqual({ '1': 1 });
  });

  it('answers 403 to an admin call from a foreign Origin, and takes its own', async () => {
    const server = await serve({ adminApi: true });
    const { host, port } = new URL(server.url);
    const headers = (origin: string) => ({ host, origin, 'content-type': 'application/json' });
    for (const origin of [`http://127.0.0.1:${Number(port) + 1}`, `http://localhost:${Number(port) + 1}`, 'https://evil.example', 'null', `http://evil.example:${port}`]) {
      const response = await send(server.url, SPLIT, { headers: headers(origin), body: splitBody });
      expect([origin, response.status, response.body.error]).toEqual([origin, 403, expect.stringMatching(/origin/i)]);
    }
    expect(await currentSplit(server.url)).toBeNull();
    expect((await send(server.url, SPLIT, { headers: headers(`http://${host}`), body: splitBody })).status).toBe(200);
  });

  it('answers 403 on a loopback server to a Host that is not a loopback name of its port (DNS rebinding), on every route', async () => {
    const server = await serve({ adminApi: true });
    const port = new URL(server.url).port;
    for (const host of [`evil.example:${port}`, 'evil.example', `localhost:${Number(port) + 1}`, `127.0.0.1.nip.io:${port}`, `10.0.0.1:${port}`]) {
      for (const [method, path] of [['GET', '/v2/models/iris'], ['GET', '/v2/health/ready'], ['GET', '/metrics'], ['POST', '/v2/repository/index']] as const) {
        const response = await send(server.url, path, { method, headers: { host, 'content-type': 'application/json' } });
        expect([host, path, response.status, response.body.error]).toEqual([host, path, 403, expect.stringMatching(/Host/)]);
      }
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect([host, (await send(server.url, '/v2/models/iris', { method: 'GET', headers: { host } })).status]).toEqual([host, 200]);
      expect([host, (await send(server.url, '/v2/repository/index', { headers: { host } })).status]).toEqual([host, 200]);
    }
    // Listening on every interface, the server cannot know its names: it takes any Host (tokens guard it there).
    const open = await serve({ host: '0.0.0.0' });
    expect((await send(`http://127.0.0.1:${open.port}`, '/v2/models/iris', { method: 'GET', headers: { host: 'models.example.com' } })).status).toBe(200);
  });

  it('keeps its split when a page on another loopback port posts to it from headless Chromium (no-cors)', async () => {
    const server = await serve({ adminApi: true });
    const target = `${server.url}${SPLIT}`;
    const page = `<!doctype html><script>
      const post = (init) => fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', ...init }).then(() => 'sent', (e) => 'failed ' + e);
      (async () => {
        const results = [await post({ headers: { 'Content-Type': 'text/plain' }, body: ${JSON.stringify(splitBody)} }), await post({ body: ${JSON.stringify(splitBody)} })];
        await fetch('/done?' + encodeURIComponent(results.join(',')));
      })();
    </script>`;
    let done!: (query: string) => void;
    const reported = new Promise<string>((resolve) => (done = resolve));
    const attacker = createServer((req, res) => {
      if (req.url?.startsWith('/done')) done(decodeURIComponent(req.url.slice(6)));
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(req.url === '/' ? page : '');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const profile = mkdtempSync(join(dir, 'chromium-'));
    const browser = spawn(
      'chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', `--user-data-dir=${profile}`, `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`],
      { stdio: 'ignore' },
    );
    const exited = new Promise<string>((resolve) => {
      browser.on('error', (error) => resolve(`chromium did not start (${error.message}): run \`bash scripts/system-deps.sh\``));
      browser.on('exit', (code) => resolve(`chromium exited (${code}) before the page reported`));
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([reported, exited, new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timed out'), 45_000)))]);
      expect(outcome).toBe('sent,sent');
    } finally {
      clearTimeout(timer);
      browser.kill('SIGKILL');
      await exited;
      attacker.closeAllConnections();
      await new Promise((resolve) => attacker.close(resolve));
    }
    expect(await currentSplit(server.url)).toBeNull();
  }, 60_000);
});

describe('model directories that are not what they seem', () => {
  /** The admin load error with the directory's name taken out: the same for every path that is no model directory. */
  const loadError = async (url: string, modelDir: string): Promise<[number, string]> => {
    const response = await fetch(`${url}/v2/repository/models/iris/load`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dir: modelDir }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json()) as { error: string };
    return [response.status, body.error.split(modelDir).join('DIR')];
  };

  it('answers an admin load of a FIFO named model.onnx at once, and keeps taking admin calls', async () => {
    const server = await serve({ adminApi: true });
    const fifoDir = join(dir, 'fifo');
    mkdirSync(fifoDir);
    execFileSync('mkfifo', [join(fifoDir, 'model.onnx')]);
    const started = Date.now();
    const [status, message] = await loadError(server.url, fifoDir);
    expect(status).toBe(400);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await call(`${server.url}/v2/repository/index`, { body: {} })).status).toBe(200);
    // A FIFO as signature.json or model.json does not hang a load either.
    for (const file of ['signature.json', 'model.json']) {
      const other = writeIris(join(dir, `fifo-${file}`), 2);
      execFileSync('rm', [join(other, file)]);
      execFileSync('mkfifo', [join(other, file)]);
      expect((await loadError(server.url, other))[0]).toBe(400);
    }
    // The same answer whatever is (or is not) at the path: a load does not tell which paths exist.
    const notRegular = join(dir, 'dir-as-model');
    mkdirSync(join(notRegular, 'model.onnx'), { recursive: true });
    const plainFile = join(dir, 'plain-file');
    writeFileSync(plainFile, 'x');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const tooBig = join(dir, 'too-big');
    mkdirSync(tooBig);
    execFileSync('truncate', ['-s', '3G', join(tooBig, 'model.onnx')]);
    for (const path of [join(dir, 'missing'), notRegular, plainFile, empty, tooBig, '/proc/self', '/root/.ssh']) {
      expect([path, ...(await loadError(server.url, path))]).toEqual([path, 400, message]);
    }
    expect(message).toMatch(/^DIR is not a model directory this server can read/);
  });

  it('refuses at start a model directory whose model.onnx is a FIFO, naming the problem', async () => {
    const fifoDir = join(dir, 'fifo-start');
    mkdirSync(fifoDir);
    execFileSync('mkfifo', [join(fifoDir, 'model.onnx')]);
    await expect(startServer({ models: [fifoDir], port: 0 })).rejects.toMatchObject({ code: 'MLSHIP_E_SERVE_MODEL_DIR', message: expect.stringMatching(/model\.onnx .*not a regular file/) });
  }, 10_000);
});
