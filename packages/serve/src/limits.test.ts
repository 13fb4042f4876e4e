/** @jest-environment ./packages/serve/test/main-realm-environment.js */
// Limits: body size (413), slow bodies (408), a full queue (503), inference timeouts (504).
import { connect } from 'node:net';
import { join } from 'node:path';
import { makeTempDir } from '@mlship/test-utils';
import { call, serverPool, slowModel, writeIris, writeModelDir } from '../test/helpers.js';

const { dir } = await makeTempDir('mlship-serve-limits-');
const irisDir = writeIris(join(dir, 'iris'));
const slowDir = writeModelDir(join(dir, 'slow'), slowModel(), {});
const serve = serverPool(dir, [irisDir]);

const row = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0] }] };

/** Sends raw bytes and resolves with what the server answers before it closes (or `waitMs` passes). */
function raw(url: string, chunks: string[], waitMs: number): Promise<{ text: string; elapsed: number }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    const timers: NodeJS.Timeout[] = [];
    socket.on('data', (data) => (text += data.toString()));
    const done = () => {
      timers.forEach(clearTimeout);
      resolve({ text, elapsed: Date.now() - started });
    };
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.write(chunks[0]!);
    chunks.slice(1).forEach((chunk, i) => timers.push(setTimeout(() => !socket.destroyed && socket.write(chunk), (i + 1) * 100)));
    timers.push(
      setTimeout(() => {
        socket.destroy();
        done();
      }, waitMs),
    );
  });
}

async function metric(url: string, line: RegExp): Promise<number> {
  const text = (await call(`${url}/metrics`)).text;
  const match = text.split('\n').find((l) => line.test(l));
  return match ? Number(match.split(' ').pop()) : 0;
}

describe('body size', () => {
  it('answers 413 from Content-Length without reading the body, and while reading a chunked one', async () => {
    const server = await serve({ maxBodyBytes: 4096 });
    const big = JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: new Array(2000).fill(1.25) }] });
    const declared = await call(`${server.url}/v2/models/iris/infer`, { body: big });
    expect(declared.status).toBe(413);
    expect(declared.body.error).toMatch(/the limit is 4096/);
    // A streamed (chunked) body has no Content-Length: the limit applies while reading.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(big.slice(i * 1000, (i + 1) * 1000)));
        controller.close();
      },
    });
    const response = await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'the body is over the limit of 4096 bytes' });
    expect((await call(`${server.url}/v2/models/iris/infer`, { body: row })).status).toBe(200);
  });

  it('answers 413 instead of 100 Continue to a client that waits before sending a large body', async () => {
    const server = await serve({ maxBodyBytes: 4096 });
    const head = (length: number) => `POST /v2/models/iris/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${length}\r\n\r\n`;
    const refused = await raw(server.url, [head(10_000_000)], 3000);
    expect(refused.text).toMatch(/^HTTP\/1\.1 413/);
    expect(refused.text).not.toContain('100 Continue');
    const body = JSON.stringify(row);
    const accepted = await raw(server.url, [head(body.length), body], 1000);
    expect(accepted.text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
  });
});

describe('slow clients', () => {
  it('answers 408 to a body that does not arrive within the body timeout', async () => {
    const server = await serve({ bodyTimeoutMs: 600 });
    const body = JSON.stringify(row);
    const head = `POST /v2/models/iris/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    // Trickles 10 bytes every 100 ms: not done within 600 ms.
    const chunks = [head, ...Array.from({ length: Math.ceil(body.length / 10) }, (_, i) => body.slice(i * 10, (i + 1) * 10))];
    const { text, elapsed } = await raw(server.url, chunks, 5000);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toContain('"error":"the body did not arrive within 600 ms"');
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(3000);
  });

  it('closes a connection whose headers do not arrive within the timeout', async () => {
    const server = await serve({ bodyTimeoutMs: 500 });
    const { text, elapsed } = await raw(server.url, ['POST /v2/models/iris/infer HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: 1\r\n'], 5000);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(elapsed).toBeLessThan(3500);
  });
});

describe('queue and timeouts', () => {
  it('answers 503 at once when a request would overflow the queue', async () => {
    const server = await serve({ maxQueueRows: 8, maxQueueDelayMicros: 300_000 });
    const responses = await Promise.all(Array.from({ length: 24 }, () => call(`${server.url}/v2/models/iris/infer`, { body: row })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(8);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    const rejected = responses.find((response) => response.status === 503)!;
    expect(rejected.body.error).toMatch(/queue of iris version 1 is full \(8 rows\)/);
    expect(rejected.headers.get('retry-after')).toBe('1');
    // A request with more rows than the queue holds is refused outright.
    const tooMany = await call(`${server.url}/v2/models/iris/infer`, { body: { inputs: [{ name: 'features', shape: [9, 4], datatype: 'FP32', data: new Array(36).fill(1) }] } });
    expect(tooMany.status).toBe(400);
  });

  it('answers 504 and drops the rows of a request still queued at its deadline', async () => {
    // A 2 s batching delay keeps the row queued; the 150 ms timeout ends it first.
    const server = await serve({ timeoutMs: 150, maxQueueDelayMicros: 2_000_000 });
    const started = Date.now();
    const response = await call(`${server.url}/v2/models/iris/infer`, { body: row });
    expect(response.status).toBe(504);
    expect(response.body.error).toMatch(/timed out after 150 ms in the queue/);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await metric(server.url, /^mlship_queue_rows\{/)).toBe(0);
    expect(await metric(server.url, /^mlship_batch_size_count\{/)).toBe(0);
    expect(await metric(server.url, /^mlship_inference_requests_total\{model="iris",version="1",code="504"\}/)).toBe(1);
  });

  it('answers 504 when the run ends after the deadline', async () => {
    const server = await serve({ timeoutMs: 300 }, [slowDir]);
    const slow = await call(`${server.url}/v2/models/slow/infer`, { body: { inputs: [{ name: 'size', shape: [2], datatype: 'INT64', data: [4000, 4000] }] } });
    expect(slow.status).toBe(504);
    expect(slow.body.error).toMatch(/timed out after 300 ms/);
    const fast = await call(`${server.url}/v2/models/slow/infer`, { body: { inputs: [{ name: 'size', shape: [2], datatype: 'INT64', data: [3, 3] }] } });
    expect(fast.status).toBe(200);
    expect(fast.body.outputs[0]).toEqual({ name: 'total', datatype: 'FP32', shape: [1, 1], data: [27] });
  });
});
