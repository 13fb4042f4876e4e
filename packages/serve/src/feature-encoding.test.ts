/** @jest-environment ./packages/serve/test/main-realm-environment.js */
// V1 records into the model's raw row (through @mlship/onnx's featureRow) on a real server: JSON
// booleans, missing values with impute, derived dates, and the unknown-category policy. The model is
// the exported preprocessing alone, so each prediction is the encoded row the graph computed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addModelEntry, GraphBuilder, type FeatureSpec, type OnnxModel } from '@mlship/onnx';
import { makeTempDir } from '@mlship/test-utils';
import { call, metricValue, serverPool, writeIris, writeModelDir } from '../test/helpers.js';

const FEATURES: FeatureSpec[] = [
  { name: 'age', kind: 'numeric', mean: 40, std: 10, impute: 35, missingIndicator: true },
  { name: 'joined_days', kind: 'numeric', mean: 19000, std: 1, impute: 19000, derive: { from: 'joined', part: 'days' } },
  { name: 'joined_weekday', kind: 'numeric', mean: 0, std: 1, impute: 0, derive: { from: 'joined', part: 'dayOfWeek' } },
  { name: 'member', kind: 'category', categories: ['false', 'true'], encoding: 'index', impute: 'false', values: 'boolean' },
  { name: 'colour', kind: 'category', categories: ['red', 'green'], encoding: 'onehot', unknown: 'error' },
  { name: 'city', kind: 'category', categories: ['paris', 'rome'], encoding: 'index' },
  { name: 'income', kind: 'numeric', mean: 10, std: 2 },
];
const WIDTH = 9;

/** The preprocessing graph of FEATURES and nothing else: output [N, 9] is the encoded row. */
function encodingModel(): OnnxModel {
  const builder = new GraphBuilder('encoding');
  const entry = addModelEntry(builder, [null, WIDTH], { features: FEATURES });
  builder.addOutput(builder.rename(entry.value.name, 'output'), 'float32', ['N', WIDTH]);
  return { irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 'mlship-test', producerVersion: '0', graph: builder.toGraph() };
}

const { dir } = await makeTempDir('mlship-serve-encoding-');
const modelDir = join(dir, 'encoding');
const irisDir = writeIris(join(dir, 'iris'));
const serve = serverPool(dir, [modelDir]);

const full = { age: 50, joined: '2022-01-03T12:00:00Z', member: true, colour: 'green', city: 'rome', income: 12 };
// 2022-01-03 12:00 UTC is day 18995.5 since the epoch, a Monday (0).
const FULL_ROW = [1, 0, -4.5, 0, 1, 0, 1, 1, 1];

async function predict(url: string, instances: unknown[]) {
  return call(`${url}/v1/predict`, { body: { instances } });
}

describe('V1 records of a model with missing values, booleans and dates', () => {
  beforeAll(() => writeModelDir(modelDir, encodingModel(), { features: FEATURES }, { name: 'encoding', version: 1 }));

  it('reads a complete record, as an object or as a list in feature order (a derived feature takes the datetime)', async () => {
    const server = await serve({});
    const object = await predict(server.url, [full]);
    expect(object.status).toBe(200);
    expect(object.body.predictions).toEqual([FULL_ROW]);
    const list = await predict(server.url, [[50, full.joined, full.joined, true, 'green', 'rome', 12]]);
    expect(list.body.predictions).toEqual([FULL_ROW]);
  });

  it('accepts JSON booleans and the boolean spellings for a boolean category', async () => {
    const server = await serve({});
    const yes = [true, 'true', 'True', 'yes', 1, '1'];
    const no = [false, 'false', 'FALSE', 'no', 0, '0'];
    const response = await predict(server.url, [...yes, ...no].map((member) => ({ ...full, member })));
    expect(response.status).toBe(200);
    expect(response.body.predictions.map((row: number[]) => row[4])).toEqual([...yes.map(() => 1), ...no.map(() => 0)]);
  });

  it('fills null or absent features that have impute (the graph imputes NaN), and adds the missing indicator', async () => {
    const server = await serve({});
    const response = await predict(server.url, [
      { ...full, age: null, member: null },
      { joined: null, colour: 'red', city: 'paris', income: 10 },
    ]);
    expect(response.status).toBe(200);
    expect(response.body.predictions).toEqual([
      [-0.5, 1, -4.5, 0, 0, 0, 1, 1, 1],
      [-0.5, 1, 0, 0, 0, 1, 0, 0, 0],
    ]);
  });

  it('refuses a missing feature without impute exactly as before, and a date it cannot read', async () => {
    const server = await serve({});
    const absent = await predict(server.url, [{ ...full, income: undefined }]);
    expect(absent.status).toBe(400);
    expect(absent.body.error).toBe('instance 0: feature "income" is missing');
    const nulled = await predict(server.url, [{ ...full, income: null }]);
    expect(nulled.body.error).toBe('instance 0: feature "income" needs a finite number, got null');
    const text = await predict(server.url, [{ ...full, age: '52' }]);
    expect(text.status).toBe(400);
    const date = await predict(server.url, [{ ...full, joined: '03/01/2022' }]);
    expect(date.status).toBe(400);
    expect(date.body.error).toMatch(/^instance 0: feature "joined_days" needs a date or date-time in "joined"/);
  });

  it("answers 400 for an unknown category of a feature whose policy is 'error', naming the feature and the kind of value, never the value", async () => {
    const server = await serve({});
    for (const [colour, kind] of [
      ['purple-secret', 'a string'],
      [7, 'a number'],
      [true, 'a boolean'],
    ] as const) {
      const response = await predict(server.url, [full, { ...full, colour }]);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe(`instance 1: feature "colour": a value not seen in training (${kind})`);
      expect(response.text).not.toContain('secret');
    }
  });

  it('encodes other unknown categories as -1, counts them by feature and logs the features per row', async () => {
    const logDir = join(dir, 'log');
    const server = await serve({ logDir });
    const response = await predict(server.url, [full, { ...full, city: 'oslo', member: 'maybe' }, { ...full, city: 'lima' }]);
    expect(response.status).toBe(200);
    expect(response.body.predictions[1]).toEqual([1, 0, -4.5, 0, -1, 0, 1, -1, 1]);
    const metrics = (await call(`${server.url}/metrics`)).text;
    expect(metricValue(metrics, /^mlship_unknown_category_total\{model="encoding",version="1",feature="city"\}/)).toBe(2);
    expect(metricValue(metrics, /^mlship_unknown_category_total\{model="encoding",version="1",feature="member"\}/)).toBe(1);
    await server.close();
    const lines = readFileSync(join(logDir, 'predictions-0.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.unknown)).toEqual([undefined, ['member', 'city'], ['city']]);
    // A derived feature logs the number the model got.
    expect(lines[0]!.features).toMatchObject({ age: 50, joined_days: 18995.5, joined_weekday: 0, member: true, city: 'rome' });
  });

  it('V2: a JSON null in a column with impute is a missing value; elsewhere it is still refused', async () => {
    const server = await serve({});
    const infer = (data: unknown[]) => call(`${server.url}/v2/models/encoding/infer`, { body: { inputs: [{ name: 'features', shape: [1, 7], datatype: 'FP32', data }] } });
    const filled = await infer([null, 18995.5, 0, null, 1, 0, 12]);
    expect(filled.status).toBe(200);
    expect(filled.body.outputs[0].data).toEqual([-0.5, 1, -4.5, 0, 0, 0, 1, 0, 1]);
    const refused = await infer([50, 18995.5, 0, 1, 1, 0, null]);
    expect(refused.status).toBe(400);
  });

  it('refuses a model directory whose features carry fields that cannot be read', async () => {
    const bad = writeModelDir(join(dir, 'bad'), encodingModel(), { features: FEATURES.map((feature) => (feature.name === 'member' ? { ...feature, categories: ['no', 'yes'] } : feature)) }, { name: 'encoding', version: 2 });
    await expect(serve({}, [bad])).rejects.toMatchObject({ code: 'MLSHIP_E_SERVE_MODEL_DIR', message: expect.stringContaining('feature member: values "boolean" needs the categories ["false", "true"]') });
  });
});

describe('older signatures (no new fields) serve as before', () => {
  it('a null or absent number is refused, an unknown or missing category is -1 (and counted), JSON booleans are their text', async () => {
    const server = await serve({}, [irisDir]);
    const nulled = await predict(server.url, [{ sepal_length: null, sepal_width: 3, petal_length: 1, colour: 'red' }]);
    expect(nulled.status).toBe(400);
    expect(nulled.body.error).toBe('instance 0: feature "sepal_length" needs a finite number, got null');
    const absent = await predict(server.url, [{ sepal_width: 3, petal_length: 1, colour: 'red' }]);
    expect(absent.body.error).toBe('instance 0: feature "sepal_length" is missing');
    const unknown = await predict(server.url, [
      { sepal_length: 5, sepal_width: 3, petal_length: 1, colour: 'mauve' },
      { sepal_length: 5, sepal_width: 3, petal_length: 1 },
      { sepal_length: 5, sepal_width: 3, petal_length: 1, colour: true },
    ]);
    expect(unknown.status).toBe(200);
    expect(unknown.body.predictions[1]).toEqual(unknown.body.predictions[0]);
    expect(unknown.body.predictions[2]).toEqual(unknown.body.predictions[0]);
    const metrics = (await call(`${server.url}/metrics`)).text;
    expect(metricValue(metrics, /^mlship_unknown_category_total\{model="iris",version="1",feature="colour"\}/)).toBe(2);
  });
});
