/** @jest-environment ./packages/serve/test/main-realm-environment.js */
// What answers carry (a real server, real ONNX Runtime): V1 fields the model does not read (ignored
// and counted, or refused), echoed fields, the version that served each answer (also under a traffic
// split), labels in the label column's own type, and the same in the prediction log.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attr, GraphBuilder, type OnnxModel } from '@mlship/onnx';
import { makeTempDir } from '@mlship/test-utils';
import { parseServeArgs } from './flags.js';
import { resolveOptions } from './options.js';
import { call, IRIS_FEATURES, irisModel, metricValue, mixedModel, serverPool, writeIris, writeModelDir } from '../test/helpers.js';

const { dir } = await makeTempDir('mlship-serve-answers-');
const irisDir = writeIris(join(dir, 'iris-1'), 1);
const iris2Dir = writeIris(join(dir, 'iris-2'), 2, 1.5);
const mixedDir = writeModelDir(join(dir, 'mixed'), mixedModel(), {}, { name: 'mixed', version: 1 });
/** The iris model with class numbers for labels (a label column of integers). */
const numberDir = writeModelDir(join(dir, 'numbered'), irisModel(), { features: IRIS_FEATURES, labels: ['0', '1', '2'], labelType: 'number' }, { name: 'numbered', version: 4 });
const serve = serverPool(dir, [irisDir]);

/** a, b float32 [N, 2] → softmax over two classes [N, 2]: class 1 when b > a. */
function twoClassModel(): OnnxModel {
  const b = new GraphBuilder('two');
  const input = b.addInput('features', 'float32', ['N', 2]);
  const logits = b.addNode('MatMul', [input, b.constantFloat('W', [2, 2], [1, -1, -1, 1])], 'matmul');
  b.addOutput(b.rename(b.addNode('Softmax', [logits], 'softmax', { axis: attr.int(1) }), 'output'), 'float32', ['N', 2]);
  return { irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 'mlship-test', producerVersion: '0', graph: b.toGraph() };
}
const twoFeatures = [
  { name: 'a', kind: 'numeric', mean: 0, std: 1 },
  { name: 'b', kind: 'numeric', mean: 0, std: 1 },
];
const booleanDir = writeModelDir(join(dir, 'churned'), twoClassModel(), { features: twoFeatures, labels: ['false', 'true'], labelType: 'boolean' }, { name: 'churned', version: 1 });

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, colour: 'red' };
const VIRGINICA = { sepal_length: 7.7, sepal_width: 3.0, petal_length: 6.1, colour: 'blue' };

describe('fields the model does not read', () => {
  it('are ignored and counted by default', async () => {
    const server = await serve({});
    const plain = await call(`${server.url}/v1/predict`, { body: { instances: [SETOSA, VIRGINICA] } });
    const extra = await call(`${server.url}/v1/predict`, { body: { instances: [{ ...SETOSA, id: 17, note: 'first' }, { id: 18, ...VIRGINICA }] } });
    expect([plain.status, extra.status]).toEqual([200, 200]);
    expect(extra.body.predictions).toEqual(plain.body.predictions);
    const metrics = (await call(`${server.url}/metrics`)).text;
    expect(metricValue(metrics, /^mlship_extra_fields_total\{model="iris",version="1"\}/)).toBe(3);
  });

  it('are refused with --extra-fields error, naming the field and never its value', async () => {
    const server = await serve({ extraFields: 'error' });
    const response = await call(`${server.url}/v1/predict`, { body: { instances: [SETOSA, { ...VIRGINICA, customer: 'ACME-SECRET-7731' }] } });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/^instance 1: unexpected field "customer", neither a feature of the model nor echoed/);
    expect(response.text).not.toMatch(/ACME-SECRET/);
    // Echoed fields are not extra.
    const echoing = await serve({ extraFields: 'error', echo: ['customer'] });
    expect((await call(`${echoing.url}/v1/predict`, { body: { instances: [{ ...SETOSA, customer: 'c-1' }] } })).status).toBe(200);
    // Nor are model inputs of a model with several inputs; others are.
    const mixed = await serve({ extraFields: 'error' }, [mixedDir]);
    expect((await call(`${mixed.url}/v1/predict`, { body: { instances: [{ x: [1, 2], k: [3] }] } })).status).toBe(200);
    const refused = await call(`${mixed.url}/v1/predict`, { body: { instances: [{ x: [1, 2], k: [3], id: 'a' }] } });
    expect([refused.status, refused.body.error]).toEqual([400, expect.stringMatching(/unexpected field "id", neither an input of the model/)]);
  });

  it('do not include the field a derived (datetime) feature reads', async () => {
    const derivedDir = writeModelDir(
      join(dir, 'derived'),
      twoClassModel(),
      { features: [{ name: 'a', kind: 'numeric', mean: 0, std: 1 }, { name: 'signup_days', kind: 'numeric', mean: 0, std: 1, derive: { from: 'signup', part: 'days' } }], labels: ['no', 'yes'] },
      { name: 'derived', version: 1 },
    );
    const server = await serve({ extraFields: 'error' }, [derivedDir]);
    const response = await call(`${server.url}/v1/predict`, { body: { instances: [{ a: 1, signup: '2024-03-01T00:00:00Z' }] } });
    // `signup` is the field the model reads `signup_days` from.
    expect([response.status, response.body.error]).toEqual([200, undefined]);
    const extra = await call(`${server.url}/v1/predict`, { body: { instances: [{ a: 1, signup: '2024-03-01T00:00:00Z', signup_days: 3 }] } });
    expect([extra.status, extra.body.error]).toEqual([400, expect.stringMatching(/unexpected field "signup_days"/)]);
  });
});

describe('echoed fields', () => {
  it('come back in each prediction, null where an instance lacks them', async () => {
    const server = await serve({ echo: ['id', 'batch'] });
    const response = await call(`${server.url}/v1/predict`, { body: { instances: [{ ...SETOSA, id: 17, batch: 'b-1' }, [7.7, 3.0, 6.1, 'blue'], { id: 'x-9', ...VIRGINICA, batch: null }] } });
    expect(response.status).toBe(200);
    const plain = await call(`${server.url}/v1/predict`, { body: { instances: [SETOSA, VIRGINICA, VIRGINICA] } });
    expect(response.body.predictions).toEqual([
      { ...plain.body.predictions[0], id: 17, batch: 'b-1' },
      { ...plain.body.predictions[1], id: null, batch: null },
      { ...plain.body.predictions[2], id: 'x-9', batch: null },
    ]);
    // A field that is not a JSON scalar is refused, without quoting it.
    const nested = await call(`${server.url}/v1/predict`, { body: { instances: [{ ...SETOSA, id: { name: 'Jane' } }] } });
    expect([nested.status, nested.body.error]).toEqual([400, 'instance 0: the echoed field "id" must be a string, number, boolean or null']);
    expect(nested.text).not.toMatch(/Jane/);
  });

  it('wrap the output rows of models without labels as {prediction, FIELD}', async () => {
    const server = await serve({ echo: ['id'] }, [mixedDir]);
    const response = await call(`${server.url}/v1/predict`, { body: { instances: [{ x: [1, 2], k: [3], id: 5 }] } });
    expect(response.body).toEqual({ model_name: 'mixed', model_version: '1', predictions: [{ prediction: { sum: [6], twice: [6] }, id: 5 }] });
  });

  it('are flags of their own: repeatable, comma-separated, from MLSHIP_ECHO; none may be a key of the predictions', () => {
    expect(parseServeArgs(['m', '--echo', 'id', '--echo', 'ref,batch', '--extra-fields', 'error'], {}).options).toEqual({ models: ['m'], echo: ['id', 'ref', 'batch'], extraFields: 'error' });
    expect(parseServeArgs(['m'], { MLSHIP_ECHO: 'id,ref', MLSHIP_EXTRA_FIELDS: 'error' }).options).toEqual({ models: ['m'], echo: ['id', 'ref'], extraFields: 'error' });
    expect(resolveOptions({ models: ['m'] })).toMatchObject({ echo: [], extraFields: 'ignore' });
    expect(() => resolveOptions({ models: ['m'], echo: ['id', 'label'] })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_SERVE_OPTIONS', message: expect.stringMatching(/--echo label/) }));
    expect(() => resolveOptions(parseServeArgs(['m', '--extra-fields', 'drop'], {}).options)).toThrow(/--extra-fields must be ignore or error, got "drop"/);
  });
});

describe('the version that answered', () => {
  it('is in the body (model_version) and the X-Model-Version header, also under a traffic split', async () => {
    const server = await serve({ trafficSplit: { '1': 50, '2': 50 }, seed: 11 }, [irisDir, iris2Dir]);
    const v2Body = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [6.2, 2.9, 4.3, 1] }] };
    const v1Body = { instances: [[6.2, 2.9, 4.3, 'green']] };
    // The answers of each version, asked by name.
    const byVersion: Record<string, { v1: unknown; v2: unknown }> = {};
    for (const version of ['1', '2']) {
      const v2 = await call(`${server.url}/v2/models/iris/versions/${version}/infer`, { body: v2Body });
      const v1 = await call(`${server.url}/v1/models/iris/versions/${version}:predict`, { body: v1Body });
      expect([v2.headers.get('x-model-version'), v1.headers.get('x-model-version'), v1.body.model_version]).toEqual([version, version, version]);
      byVersion[version] = { v1: v1.body.predictions, v2: v2.body.outputs };
    }
    expect(byVersion['1']!.v1).not.toEqual(byVersion['2']!.v1);
    const seen = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const v2 = await call(`${server.url}/v2/models/iris/infer`, { body: v2Body });
      const v1 = await call(`${server.url}/v1/predict`, { body: v1Body });
      for (const [answer, key] of [[v2, 'v2'], [v1, 'v1']] as const) {
        const version = answer.headers.get('x-model-version')!;
        expect(answer.body).toMatchObject({ model_name: 'iris', model_version: version });
        expect(answer.body[key === 'v1' ? 'predictions' : 'outputs']).toEqual(byVersion[version]![key]);
        seen.add(version);
      }
    }
    expect([...seen].sort()).toEqual(['1', '2']);
    // Errors of a routed request name the version too.
    const refused = await call(`${server.url}/v1/models/iris/versions/2:predict`, { body: { instances: [[1, 2]] } });
    expect([refused.status, refused.headers.get('x-model-version')]).toEqual([400, '2']);
  });
});

describe('labels', () => {
  it('come back in the label column’s type: numbers', async () => {
    const server = await serve({}, [numberDir]);
    const response = await call(`${server.url}/v1/predict`, { body: { instances: [SETOSA, VIRGINICA] } });
    expect(response.status).toBe(200);
    expect(response.text).toMatch(/"label":\d,/);
    const labels = response.body.predictions.map((p: { label: unknown }) => p.label);
    expect(labels.every((label: unknown) => typeof label === 'number' && [0, 1, 2].includes(label))).toBe(true);
    expect(Object.keys(response.body.predictions[0].probabilities)).toEqual(['0', '1', '2']);
  });

  it('come back in the label column’s type: booleans', async () => {
    const server = await serve({}, [booleanDir]);
    const response = await call(`${server.url}/v1/predict`, { body: { instances: [{ a: 2, b: -1 }, { a: -1, b: 2 }] } });
    expect(response.status).toBe(200);
    expect(response.body.predictions.map((p: { label: unknown }) => p.label)).toEqual([false, true]);
  });

  it('refuse a signature whose labels do not fit its labelType', async () => {
    const badDir = writeModelDir(join(dir, 'bad-labels'), irisModel(), { features: IRIS_FEATURES, labels: ['0', 'one', '2'], labelType: 'number' }, { name: 'bad', version: 1 });
    await expect(serve({}, [badDir])).rejects.toMatchObject({ code: 'MLSHIP_E_SERVE_MODEL_DIR', message: expect.stringMatching(/labels do not fit its labelType: label "one" is not a number/) });
  });
});

describe('the prediction log', () => {
  it('records echoed fields masked, the version, and the label in its type', async () => {
    const logDir = join(dir, 'log');
    const server = await serve({ logDir, echo: ['id', 'contact'] }, [numberDir]);
    const response = await call(`${server.url}/v1/predict`, { body: { instances: [{ ...SETOSA, id: 17, contact: 'jane.doe@example.org' }] } });
    expect(response.status).toBe(200);
    expect(response.body.predictions[0]).toMatchObject({ id: 17, contact: 'jane.doe@example.org' });
    await server.close();
    const text = readFileSync(join(logDir, 'predictions-0.jsonl'), 'utf8');
    expect(text).not.toMatch(/jane/);
    const record = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(record).toMatchObject({ model: 'numbered', version: '4', echo: { id: 17, contact: '<email>' }, prediction: response.body.predictions[0].label });
    expect(typeof record.prediction).toBe('number');
  });
});
