/** @jest-environment ./packages/serve/test/main-realm-environment.js */
// The V2 and V1 routes against a real server (real ONNX Runtime, real HTTP on 127.0.0.1).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@mlship/test-utils';
import { startServer, type RunningServer } from './index.js';
import { call, IRIS_LABELS, mixedModel, typesModel, writeIris, writeModelDir } from '../test/helpers.js';

const { dir } = await makeTempDir('mlship-serve-routes-');
const irisDir = writeIris(join(dir, 'iris'));
const mixedDir = writeModelDir(join(dir, 'mixed'), mixedModel(), {}, { name: 'mixed', version: 3 });
const typesDir = writeModelDir(join(dir, 'types'), typesModel(), {});
let iris: RunningServer;
let mixed: RunningServer;
let types: RunningServer;

beforeAll(async () => {
  [iris, mixed, types] = await Promise.all([
    startServer({ models: [irisDir], port: 0 }),
    startServer({ models: [mixedDir], port: 0 }),
    startServer({ models: [typesDir], port: 0, batching: false }),
  ]);
});

afterAll(async () => {
  await Promise.all([iris?.close(), mixed?.close(), types?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** ONNX Runtime in this process, same options as the server: the reference outputs. */
async function reference(modelDir: string, feeds: Record<string, { type: string; data: unknown; dims: number[] }>): Promise<Record<string, unknown[]>> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(readFileSync(join(modelDir, 'model.onnx')), { intraOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'] });
  try {
    const tensors = Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor(f.type as 'float32', f.data as Float32Array, f.dims)]));
    const results = await session.run(tensors);
    return Object.fromEntries(Object.entries(results).map(([name, t]) => [name, Array.from(t.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v))]));
  } finally {
    await session.release();
  }
}

const ROWS = [
  [5.1, 3.5, 1.4, 0],
  [6.2, 2.9, 4.3, 1],
  [7.7, 3.0, 6.1, 2],
];

describe('server metadata and health', () => {
  it('answers GET /v2, health and model metadata with V2 datatypes and -1 for dynamic dimensions', async () => {
    const server = await call(`${iris.url}/v2`);
    expect(server.status).toBe(200);
    expect(server.body).toEqual({ name: 'mlship', version: expect.any(String), extensions: ['model_repository'] });
    expect((await call(`${iris.url}/v2/health/live`)).status).toBe(200);
    expect((await call(`${iris.url}/v2/health/ready`)).body).toEqual({ ready: true });
    const expected = {
      name: 'iris',
      versions: ['1'],
      platform: 'onnxruntime',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }],
    };
    expect((await call(`${iris.url}/v2/models/iris`)).body).toEqual(expected);
    expect((await call(`${iris.url}/v2/models/iris/versions/1`)).body).toEqual(expected);
    expect((await call(`${iris.url}/v2/models/iris/ready`)).body).toEqual({ name: 'iris', ready: true });
    expect((await call(`${iris.url}/v2/models/iris/versions/1/ready`)).body).toEqual({ name: 'iris', version: '1', ready: true });
    expect((await call(`${mixed.url}/v2/models/mixed/versions/3`)).body).toMatchObject({
      versions: ['3'],
      inputs: [
        { name: 'x', datatype: 'FP64', shape: [-1, 2] },
        { name: 'k', datatype: 'INT64', shape: [-1, 1] },
      ],
      outputs: [
        { name: 'sum', datatype: 'FP64', shape: [-1, 1] },
        { name: 'twice', datatype: 'INT64', shape: [-1, 1] },
      ],
    });
  });

  it('answers 404 for unknown models, versions and routes, and 405 with Allow for the wrong method', async () => {
    for (const path of ['/v2/models/rose', '/v2/models/iris/versions/9', '/v2/models/iris/versions/9/ready', '/v2/models/iris/explain', '/nope', '/v2/health/sick', '/v1/models/rose:predict']) {
      const response = await call(`${iris.url}${path}`, path.includes('predict') ? { body: { instances: [[1, 2, 3, 'red']] } } : {});
      expect([path, response.status]).toEqual([path, 404]);
      expect(response.body).toEqual({ error: expect.any(String) });
    }
    const infer = await call(`${iris.url}/v2/models/rose/infer`, { body: { inputs: [] } });
    expect(infer.status).toBe(404);
    expect(infer.body.error).toMatch(/unknown model "rose"/);
    expect((await call(`${iris.url}/v2/models/iris/versions/7/infer`, { body: {} })).body.error).toMatch(/unknown version "7"/);
    const wrongMethod = await call(`${iris.url}/v2/models/iris/infer`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect((await call(`${iris.url}/v2/models/iris`, { method: 'POST', body: {} })).status).toBe(405);
  });
});

describe('V2 infer', () => {
  it('takes flat and nested FP32 data and returns ONNX Runtime outputs exactly, flat', async () => {
    const flat = ROWS.flat().map(Math.fround);
    const expected = await reference(irisDir, { features: { type: 'float32', data: Float32Array.from(flat), dims: [3, 4] } });
    for (const data of [ROWS.flat(), ROWS]) {
      const response = await call(`${iris.url}/v2/models/iris/infer`, { body: { id: 'r-1', inputs: [{ name: 'features', shape: [3, 4], datatype: 'FP32', data }] } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        model_name: 'iris',
        model_version: '1',
        id: 'r-1',
        outputs: [{ name: 'output', datatype: 'FP32', shape: [3, 3], data: expected.output }],
      });
    }
  });

  it('converts exact-safe datatypes (FP64, INT32, INT64 into float32) and gives every request an id', async () => {
    const rows = [
      [5, 3, 1, 0],
      [6, 2, 4, 1],
    ];
    const expected = await reference(irisDir, { features: { type: 'float32', data: Float32Array.from(rows.flat()), dims: [2, 4] } });
    for (const datatype of ['FP64', 'INT32', 'INT64', 'UINT8', 'FP16']) {
      const response = await call(`${iris.url}/v2/models/iris/infer`, { body: { inputs: [{ name: 'features', shape: [2, 4], datatype, data: rows }] } });
      expect([datatype, response.status]).toEqual([datatype, 200]);
      expect(response.body.outputs[0].data).toEqual(expected.output);
      expect(response.body.id).toEqual(expect.any(String));
    }
    const withHeader = await call(`${iris.url}/v2/models/iris/infer`, { body: { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: rows[0] }] }, headers: { 'x-request-id': 'from-header' } });
    expect(withHeader.body.id).toBe('from-header');
  });

  it('runs FP64 and INT64 inputs and outputs, and the outputs filter', async () => {
    const x = [1.5, 2.25, -3, 0.125];
    const k = [7, -9007199254740991];
    const expected = await reference(mixedDir, {
      x: { type: 'float64', data: Float64Array.from(x), dims: [2, 2] },
      k: { type: 'int64', data: BigInt64Array.from(k.map(BigInt)), dims: [2, 1] },
    });
    const body = {
      inputs: [
        { name: 'k', shape: [2, 1], datatype: 'INT64', data: k },
        { name: 'x', shape: [2, 2], datatype: 'FP64', data: [x.slice(0, 2), x.slice(2)] },
      ],
    };
    const all = await call(`${mixed.url}/v2/models/mixed/infer`, { body });
    expect(all.status).toBe(200);
    expect(all.body.model_version).toBe('3');
    expect(all.body.outputs).toEqual([
      { name: 'sum', datatype: 'FP64', shape: [2, 1], data: expected.sum },
      { name: 'twice', datatype: 'INT64', shape: [2, 1], data: expected.twice },
    ]);
    // int64 values print as exact integers, also beyond 2^53
    expect(all.text).toContain('"data":[14,-18014398509481982]');
    const filtered = await call(`${mixed.url}/v2/models/mixed/infer`, { body: { ...body, outputs: [{ name: 'twice' }] } });
    expect(filtered.body.outputs.map((o: { name: string }) => o.name)).toEqual(['twice']);
    const unknown = await call(`${mixed.url}/v2/models/mixed/infer`, { body: { ...body, outputs: [{ name: 'nope' }] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/unknown output "nope"/);
  });

  it('passes BYTES to string inputs, BOOL to bool inputs and FP16 both ways', async () => {
    const response = await call(`${types.url}/v2/models/types/infer`, {
      body: {
        inputs: [
          { name: 'text', shape: [2], datatype: 'BYTES', data: ['hello', 'wörld'] },
          { name: 'flag', shape: [2], datatype: 'BOOL', data: [true, false] },
          { name: 'half', shape: [2, 2], datatype: 'FP16', data: [0.5, -2, 65504, 0.1] },
        ],
      },
    });
    expect(response.status).toBe(200);
    expect(response.body.outputs).toEqual([
      { name: 'echo', datatype: 'BYTES', shape: [2], data: ['hello', 'wörld'] },
      { name: 'negated', datatype: 'BOOL', shape: [2], data: [false, true] },
      { name: 'same', datatype: 'FP16', shape: [2, 2], data: [0.5, -2, 65504, 0.0999755859375] },
    ]);
    const bytesIntoNumber = await call(`${iris.url}/v2/models/iris/infer`, { body: { inputs: [{ name: 'features', shape: [1, 4], datatype: 'BYTES', data: ['1', '2', '3', '4'] }] } });
    expect(bytesIntoNumber.status).toBe(400);
    expect(bytesIntoNumber.body.error).toMatch(/BYTES data cannot go into the model's float32 input/);
    const numberIntoString = await call(`${types.url}/v2/models/types/infer`, {
      body: {
        inputs: [
          { name: 'text', shape: [1], datatype: 'FP32', data: [1] },
          { name: 'flag', shape: [1], datatype: 'BOOL', data: [true] },
          { name: 'half', shape: [1, 2], datatype: 'FP16', data: [1, 2] },
        ],
      },
    });
    expect(numberIntoString.status).toBe(400);
    const halfOverflow = await call(`${types.url}/v2/models/types/infer`, {
      body: {
        inputs: [
          { name: 'text', shape: [1], datatype: 'BYTES', data: ['a'] },
          { name: 'flag', shape: [1], datatype: 'BOOL', data: [true] },
          { name: 'half', shape: [1, 2], datatype: 'FP32', data: [1, 1e6] },
        ],
      },
    });
    expect(halfOverflow.status).toBe(400);
    expect(halfOverflow.body.error).toMatch(/element 1 \(1000000\) does not fit the model's float16 input/);
  });

  it.each([
    ['malformed JSON', '{"inputs": [', /malformed JSON/],
    ['a body that is not an object', '[1, 2]', /JSON object with "inputs"/],
    ['no inputs', { inputs: [] }, /"inputs" must be a non-empty list/],
    ['an unknown input name', { inputs: [{ name: 'petals', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, /unknown input "petals"; the model takes "features"/],
    ['a missing input', { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP64', data: [1, 2] }] }, /missing input "k"/, 'mixed'],
    ['a wrong rank', { inputs: [{ name: 'features', shape: [4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, /rank 1, the model expects rank 2/],
    ['a wrong fixed dimension', { inputs: [{ name: 'features', shape: [1, 5], datatype: 'FP32', data: [1, 2, 3, 4, 5] }] }, /does not match the model's \[-1,4\]/],
    ['data that does not fill the shape', { inputs: [{ name: 'features', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, /data has 4 values, shape \[2,4\] needs 8/],
    ['nested data that does not match the shape', { inputs: [{ name: 'features', shape: [2, 4], datatype: 'FP32', data: [[1, 2, 3, 4], [1, 2, 3]] }] }, /data\[1\] must be a list of 4/],
    ['nested data deeper than the shape', { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [[1, 2, 3, [4]]] }] }, /data\[0\]\[3\] nests deeper/],
    ['an unknown datatype', { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FLOAT', data: [1, 2, 3, 4] }] }, /unknown datatype "FLOAT"/],
    ['a "NaN" string', { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 'NaN', 3, 4] }] }, /element 1 \("NaN"\) is not a finite FP32/],
    ['an "Infinity" string', { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP64', data: [1, 2, 'Infinity', 4] }] }, /element 2/],
    ['a value out of the float32 range', { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP64', data: [1, 2, 3, 1e39] }] }, /element 3 \(1e\+39\) is not a finite FP64 value within the float32 range/],
    ['a JSON number that overflows to Infinity', '{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP64","data":[1,2,3,1e400]}]}', /element 3/],
    ['an integer beyond float32 precision', { inputs: [{ name: 'features', shape: [1, 4], datatype: 'INT32', data: [1, 2, 3, 16777217] }] }, /16777217\) does not fit the model's float32 input exactly/],
    ['a non-integer as INT32', { inputs: [{ name: 'features', shape: [1, 4], datatype: 'INT32', data: [1, 2, 3, 1.5] }] }, /is not a valid INT32 value/],
    ['a float into an int64 input', { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP64', data: [1, 2] }, { name: 'k', shape: [1, 1], datatype: 'FP64', data: [2.5] }] }, /does not fit the model's int64 input/, 'mixed'],
    ['inputs that disagree on the batch dimension', { inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP64', data: [1, 2, 3, 4] }, { name: 'k', shape: [1, 1], datatype: 'INT64', data: [2] }] }, /disagree on the batch dimension/, 'mixed'],
    ['a shape larger than any body', { inputs: [{ name: 'features', shape: [100000000, 4], datatype: 'FP32', data: [] }] }, /more than a request body can carry/],
    ['a zero dimension', { inputs: [{ name: 'features', shape: [0, 4], datatype: 'FP32', data: [] }] }, /integers ≥ 1/],
  ])('answers 400 for %s', async (_what, body, message, model = 'iris') => {
    const server = model === 'iris' ? iris : mixed;
    const response = await call(`${server.url}/v2/models/${model}/infer`, { body });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.body.error).toMatch(message);
  });
  it('answers pipelined requests on one connection, in order', async () => {
    const { connect } = await import('node:net');
    const message = (row: number[]) => {
      const body = JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: row }] });
      return `POST /v2/models/iris/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    };
    const text = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(iris.url).port), '127.0.0.1');
      let received = '';
      socket.on('data', (data) => {
        received += data.toString();
        if ((received.match(/HTTP\/1\.1 200/g) ?? []).length === 3) {
          socket.destroy();
          resolve(received);
        }
      });
      socket.write(message(ROWS[0]!) + message(ROWS[1]!) + message(ROWS[2]!));
    });
    const expected = await reference(irisDir, { features: { type: 'float32', data: Float32Array.from(ROWS.flat()), dims: [3, 4] } });
    const outputs = [...text.matchAll(/"data":\[([^\]]*)\]/g)].map((match) => match[1]!.split(',').map(Number));
    expect(outputs).toHaveLength(3);
    outputs.forEach((values, row) => values.forEach((value, c) => expect(Math.abs(value - (expected.output![row * 3 + c] as number))).toBeLessThanOrEqual(1e-6)));
  });
});

describe('V1 predict', () => {
  it('returns labels and probabilities for objects and feature-ordered lists, on every V1 route', async () => {
    const expected = await reference(irisDir, { features: { type: 'float32', data: Float32Array.from(ROWS.flat()), dims: [3, 4] } });
    const output = expected.output as number[];
    const instances = [
      { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, colour: 'red' },
      [6.2, 2.9, 4.3, 'green'],
      { colour: 'blue', petal_length: 6.1, sepal_width: 3.0, sepal_length: 7.7 },
    ];
    for (const path of ['/v1/predict', '/v1/models/iris:predict', '/v1/models/iris/versions/1:predict']) {
      const response = await call(`${iris.url}${path}`, { body: { instances } });
      expect([path, response.status]).toEqual([path, 200]);
      const predictions = response.body.predictions as { label: string; probabilities: Record<string, number> }[];
      predictions.forEach((prediction, row) => {
        const probabilities = output.slice(row * 3, row * 3 + 3);
        expect(prediction.probabilities).toEqual(Object.fromEntries(IRIS_LABELS.map((label, c) => [label, probabilities[c]])));
        expect(prediction.label).toBe(IRIS_LABELS[probabilities.indexOf(Math.max(...probabilities))]);
      });
    }
  });

  it('maps unknown and missing categories to -1', async () => {
    const unknown = await call(`${iris.url}/v1/predict`, { body: { instances: [[5, 3, 1, 'purple'], { sepal_length: 5, sepal_width: 3, petal_length: 1 }] } });
    const expected = await reference(irisDir, { features: { type: 'float32', data: Float32Array.from([5, 3, 1, -1, 5, 3, 1, -1]), dims: [2, 4] } });
    expect(unknown.status).toBe(200);
    expect(unknown.body.predictions.flatMap((p: { probabilities: Record<string, number> }) => Object.values(p.probabilities))).toEqual(expected.output);
  });

  it('returns output rows for models without labels', async () => {
    const response = await call(`${mixed.url}/v1/predict`, { body: { instances: [{ x: [1, 2], k: [3] }] } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ model_name: 'mixed', model_version: '3', predictions: [{ sum: [6], twice: [6] }] });
  });

  it.each([
    ['a missing numeric feature', { instances: [{ sepal_length: 5, sepal_width: 3, colour: 'red' }] }, /instance 0: feature "petal_length" is missing/],
    ['a non-numeric value', { instances: [[5, 3, 1, 'red'], { sepal_length: '5', sepal_width: 3, petal_length: 1, colour: 'red' }] }, /instance 1: feature "sepal_length" needs a finite number, got "5"/],
    ['a "NaN" string', { instances: [[5, 'NaN', 1, 'red']] }, /instance 0: feature "sepal_width" needs a finite number, got "NaN"/],
    ['a list of the wrong length', { instances: [[5, 3, 1]] }, /instance 0: has 3 values, the model takes 4/],
    ['no instances', { instances: [] }, /"instances" is empty/],
    ['a body without instances', { rows: [] }, /\{"instances": \[\.\.\.\]\}/],
  ])('answers 400 for %s', async (_what, body, message) => {
    const response = await call(`${iris.url}/v1/predict`, { body });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(message);
  });
});

describe('auth', () => {
  it('needs a bearer token on every route but health, compared against the token file', async () => {
    const server = await startServer({ models: [irisDir], port: 0, tokens: ['s3cret-token', 'other'] });
    try {
      expect((await call(`${server.url}/v2/health/live`)).status).toBe(200);
      expect((await call(`${server.url}/v2/health/ready`)).status).toBe(200);
      const body = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 0] }] };
      for (const path of ['/v2', '/v2/models/iris', '/metrics', '/v2/models/iris/infer', '/v2/repository/index', '/nope']) {
        const missing = await call(`${server.url}${path}`, { body: path.endsWith('infer') || path.includes('repository') ? body : undefined });
        expect([path, missing.status]).toEqual([path, 401]);
        expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      }
      const wrong = await call(`${server.url}/v2/models/iris/infer`, { body, headers: { authorization: 'Bearer s3cret-tokeN' } });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect((await call(`${server.url}/v2/models/iris/infer`, { body, headers: { authorization: 'Basic czNjcmV0LXRva2Vu' } })).status).toBe(401);
      expect((await call(`${server.url}/v2/models/iris/infer`, { body, headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
      expect((await call(`${server.url}/v2/models/iris`, { headers: { authorization: 'bearer other' } })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
