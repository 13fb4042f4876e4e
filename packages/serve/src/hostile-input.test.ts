/** @jest-environment ./packages/serve/test/main-realm-environment.js */
// Requests built to hurt the server: values nested thousands deep, queued memory, unauthorized bodies.
import { connect } from 'node:net';
import { join } from 'node:path';
import { describeValue, HttpError } from './errors.js';
import type { ServeEvent } from './index.js';
import { readTensorData } from './tensor-json.js';
import { call, rowSumModel, serverPool, tempDir, wideModel, writeIris, writeModelDir } from './test-helpers.js';

const dir = tempDir('hostile');
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
    expect((await call(`${server.url}/v1/predict`, { body: { instances: [[1, 2, 3]] } })).body).toEqual({ predictions: [[6]] });
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
    const head = (auth: string) => `POST /v2/models/iris/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n${auth}Content-Length: ${body.length}\r\n\r\n`;
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
      socket.write('POST /v2/models/iris/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
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
