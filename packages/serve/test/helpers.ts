/** Helpers for this package's tests: tiny ONNX models written as model directories, and HTTP calls. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel, GraphBuilder, attr, type OnnxModel } from '@mlship/onnx';
import { startServer, type RunningServer, type ServeOptions } from '../src/index.js';

export const IRIS_LABELS = ['setosa', 'versicolor', 'virginica'];
export const IRIS_FEATURES = [
  { name: 'sepal_length', kind: 'numeric', mean: 5.8, std: 0.8 },
  { name: 'sepal_width', kind: 'numeric', mean: 3.0, std: 0.4 },
  { name: 'petal_length', kind: 'numeric', mean: 3.7, std: 1.7 },
  { name: 'colour', kind: 'category', categories: ['red', 'green', 'blue'], encoding: 'index' },
] as const;

function wrap(builder: GraphBuilder): OnnxModel {
  return { irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 'mlship-test', producerVersion: '0', graph: builder.toGraph() };
}

/** Writes model.onnx, signature.json and model.json into `dir`. */
export function writeModelDir(dir: string, model: OnnxModel, signature: Record<string, unknown>, meta?: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), encodeModel(model));
  writeFileSync(join(dir, 'signature.json'), JSON.stringify({ format: 'mlship.signature.v1', model: { file: 'model.onnx', irVersion: 8, opset: 13 }, inputs: model.graph.inputs, outputs: model.graph.outputs, ...signature }));
  if (meta) writeFileSync(join(dir, 'model.json'), JSON.stringify(meta));
  return dir;
}

/**
 * A linear softmax classifier over the iris-like features ([N, 4] float32 → output [N, 3]);
 * `shift` changes the weights, so two versions give different probabilities.
 */
export function irisModel(shift = 0): OnnxModel {
  const b = new GraphBuilder('iris');
  const input = b.addInput('features', 'float32', ['N', 4]);
  const weights = b.constantFloat('W', [4, 3], [0.6, -0.2, -0.4, 0.9, 0.1, -1.0, -1.1, 0.3, 0.8, 0.2 + shift, -0.3, 0.1 - shift]);
  const bias = b.constantFloat('B', [3], [0.5, 0.1 + shift, -0.6]);
  const logits = b.addNode('Add', [b.addNode('MatMul', [input, weights], 'matmul'), bias], 'logits');
  const output = b.rename(b.addNode('Softmax', [logits], 'softmax', { axis: attr.int(1) }), 'output');
  b.addOutput(output, 'float32', ['N', 3]);
  return wrap(b);
}

export function writeIris(dir: string, version = 1, shift = 0): string {
  return writeModelDir(dir, irisModel(shift), { features: IRIS_FEATURES, labels: IRIS_LABELS }, { name: 'iris', version, ref: `models/iris:${version}`, digest: `sha256:${'0'.repeat(63)}${version}` });
}

/** x float64 [N,2], k int64 [N,1] → sum float64 [N,1] (row sum of x plus k), twice int64 [N,1] (2k). */
export function mixedModel(): OnnxModel {
  const b = new GraphBuilder('mixed');
  const x = b.addInput('x', 'float64', ['N', 2]);
  const k = b.addInput('k', 'int64', ['N', 1]);
  const axes = b.constantInt64('axes', [1], [1]);
  const rowSum = b.addNode('ReduceSum', [x, axes], 'rowsum', { keepdims: attr.int(1) });
  const kDouble = b.addNode('Cast', [k], 'kdouble', { to: attr.int(11) });
  const sum = b.rename(b.addNode('Add', [rowSum, kDouble], 'add'), 'sum');
  b.addOutput(sum, 'float64', ['N', 1]);
  const twice = b.rename(b.addNode('Add', [k, k], 'double'), 'twice');
  b.addOutput(twice, 'int64', ['N', 1]);
  return wrap(b);
}

/** text string [N] → echo string [N]; flag bool [N] → negated bool [N]; half float16 [N,2] → same. */
export function typesModel(): OnnxModel {
  const b = new GraphBuilder('types');
  const text = b.addInput('text', 'string', ['N']);
  const flag = b.addInput('flag', 'bool', ['N']);
  const half = b.addInput('half', 'float16', ['N', 2]);
  b.addOutput(b.addNode('Identity', [text], 'echo'), 'string', ['N']);
  b.addOutput(b.addNode('Not', [flag], 'negated'), 'bool', ['N']);
  b.addOutput(b.addNode('Identity', [half], 'same'), 'float16', ['N', 2]);
  return wrap(b);
}

/** size int64 [2] → total float32 [1]: sums A·A for an all-ones A of that size; slow on purpose, and it does not batch. */
export function slowModel(): OnnxModel {
  const b = new GraphBuilder('slow');
  const size = b.addInput('size', 'int64', [2]);
  const ones = b.addNode('ConstantOfShape', [size], 'ones', {
    value: { type: 'tensor', value: { name: 'one', dataType: 'float32', dims: [1], data: Float32Array.from([1]) } },
  });
  const product = b.addNode('MatMul', [ones, ones], 'product');
  const total = b.rename(b.addNode('ReduceSum', [product], 'sum', { keepdims: attr.int(1) }), 'total');
  b.addOutput(total, 'float32', [1, 1]);
  return wrap(b);
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export async function call(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** values float32 [N, M] (M dynamic) → total float32 [N, 1]: row sums; rows of different M cannot share a batch. */
export function rowSumModel(): OnnxModel {
  const b = new GraphBuilder('rowsum');
  const values = b.addInput('values', 'float32', ['N', 'M']);
  const axes = b.constantInt64('axes', [1], [1]);
  b.addOutput(b.rename(b.addNode('ReduceSum', [values, axes], 'sum', { keepdims: attr.int(1) }), 'total'), 'float32', ['N', 1]);
  return wrap(b);
}

/** One value of a Prometheus text exposition, 0 when absent. */
export function metricValue(text: string, line: RegExp): number {
  const match = text.split('\n').find((l) => line.test(l));
  return match ? Number(match.split(' ').pop()) : 0;
}

/** values float32 [N, width] → copy float32 [N, width] (Identity): rows too wide for the prediction log's values. */
export function wideModel(width: number): OnnxModel {
  const b = new GraphBuilder('wide');
  const values = b.addInput('values', 'float32', ['N', width]);
  b.addOutput(b.rename(b.addNode('Identity', [values], 'identity'), 'copy'), 'float32', ['N', width]);
  return wrap(b);
}

/** x float32 [N, 2] → total float32 [K, 2]: column sums over all rows (K = 1), a first dimension that is not the batch's. */
export function columnSumModel(): OnnxModel {
  const b = new GraphBuilder('colsum');
  const x = b.addInput('x', 'float32', ['N', 2]);
  const axes = b.constantInt64('axes', [1], [0]);
  b.addOutput(b.rename(b.addNode('ReduceSum', [x, axes], 'sum', { keepdims: attr.int(1) }), 'total'), 'float32', ['K', 2]);
  return wrap(b);
}

/**
 * For one test file: `serve(options, models?)` starts a server on port 0 (serving `defaultModels`
 * unless `options.models` or `models` says otherwise); after the file's tests every server is closed
 * and `dir` removed.
 */
export function serverPool(dir: string, defaultModels: string[]): (options: Partial<ServeOptions>, models?: string[]) => Promise<RunningServer> {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  return async (options, models = defaultModels) => {
    const server = await startServer({ models, port: 0, ...options });
    servers.push(server);
    return server;
  };
}
