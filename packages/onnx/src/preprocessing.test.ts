/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// Preprocessing folded into the graph: ONNX Runtime on raw values against tfjs on values the reference code preprocessed.
import type { LayersModel } from '@tensorflow/tfjs';
import { makeTempDir } from '@mlship/test-utils';
import { exportLayersModel } from './export-model.js';
import { encodedWidth, encodeFeatures, featureRow } from './preprocessing.js';
import type { FeatureSpec, ImageSpec } from './preprocessing.js';
import { runOnnxModel } from './run-onnx.js';
import { checkWithOnnx, loadTf, randomFloats, writeModelFile } from '../test/helpers.js';
import { verifyExport } from './verify-export.js';

const tf = await loadTf();
const { dir } = await makeTempDir('mlship-onnx-preprocessing-');
const paths: string[] = [];
let seed = 500;
const weights = () => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }), biasInitializer: tf.initializers.randomUniform({ seed: seed++ }) });

const mixed: FeatureSpec[] = [
  { name: 'age', kind: 'numeric', mean: 40, std: 12.5 },
  { name: 'colour', kind: 'category', categories: ['red', 'green', 'blue'], encoding: 'onehot' },
  { name: 'size', kind: 'category', categories: ['S', 'M', 'L'], encoding: 'index' },
  { name: 'income', kind: 'numeric', mean: 5000, std: 1500 },
  { name: 'constant', kind: 'numeric', mean: 1, std: 0 },
  { name: 'weekday', kind: 'category', categories: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], encoding: 'onehot' },
];

function dense(inputs: number, outputs = 3): LayersModel {
  return tf.sequential({
    layers: [tf.layers.dense({ units: 8, activation: 'tanh', inputShape: [inputs], ...weights() }), tf.layers.dense({ units: outputs, activation: 'softmax', ...weights() })],
  });
}

/** Raw rows for `features`: numbers around each mean, category indices including unknown ones (-1, past the end). */
function rawRows(features: FeatureSpec[], rows: number, seedBase: number): Float32Array {
  const noise = randomFloats(rows * features.length, seedBase, -2, 2);
  return noise.map((u, i) => {
    const feature = features[i % features.length];
    if (!feature) return NaN;
    if (feature.kind === 'numeric') return feature.mean + u * (feature.std || 1);
    return Math.floor(((u + 2) / 4) * (feature.categories.length + 2)) - 1; // -1 … length
  });
}

async function expectFolded(model: LayersModel, exported: ReturnType<typeof exportLayersModel>, raw: (rows: number) => Float32Array, name: string) {
  paths.push(writeModelFile(dir, name, exported.bytes));
  for (const rows of [1, 7]) {
    const { maxAbsError } = await verifyExport({ model, exported, input: raw(rows), rows });
    expect(maxAbsError).toBeLessThan(1e-5);
  }
}

/** Missing values, booleans and dates: every new field of the feature description. */
const missingAware: FeatureSpec[] = [
  { name: 'age', kind: 'numeric', mean: 40, std: 10, impute: 35, missingIndicator: true },
  { name: 'joined_days', kind: 'numeric', mean: 19000, std: 100, impute: 19000, derive: { from: 'joined', part: 'days' } },
  { name: 'joined_weekday', kind: 'numeric', mean: 3, std: 2, impute: 3, missingIndicator: true, derive: { from: 'joined', part: 'dayOfWeek' } },
  { name: 'member', kind: 'category', categories: ['false', 'true'], encoding: 'index', impute: 'false', values: 'boolean' },
  { name: 'colour', kind: 'category', categories: ['red', 'green', '(missing)'], encoding: 'onehot', impute: '(missing)', unknown: 'error' },
  { name: 'income', kind: 'numeric', mean: 10, std: 2 },
];

/** A linear activation alone: what ONNX Runtime returns is the encoded row itself. */
function identity(width: number): LayersModel {
  return tf.sequential({ layers: [tf.layers.activation({ activation: 'linear', inputShape: [width] })] });
}

describe('reference preprocessing', () => {
  it('standardises numbers, one-hot encodes categories and passes indices on', () => {
    const row = featureRow(mixed, { age: 52.5, colour: 'blue', size: 'M', income: 2000, constant: 3, weekday: 'caturday' });
    expect(row).toEqual([52.5, 2, 1, 2000, 3, -1]);
    expect(Array.from(encodeFeatures(mixed, row, 1))).toEqual([1, 0, 0, 1, 1, -2, 2, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('preprocessing folded into the ONNX graph', () => {
  it('mixed numeric and category features: one float input [N, 6] in, model input [N, 14]', async () => {
    const model = dense(14);
    const exported = exportLayersModel({ model, preprocessing: { features: mixed }, classes: ['a', 'b', 'c'] });
    await expectFolded(model, exported, (rows) => rawRows(mixed, rows, rows), 'mixed');
    expect(exported.signature).toMatchObject({
      inputs: [{ name: 'features', dataType: 'float32', shape: ['N', 6] }],
      outputs: [{ name: 'output', dataType: 'float32', shape: ['N', 3] }],
      features: mixed,
      labels: ['a', 'b', 'c'],
    });
  });

  it('numeric features only: Sub and Div before the first layer', async () => {
    const features: FeatureSpec[] = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((name, i) => ({ name, kind: 'numeric', mean: i + 1, std: 0.5 + i }));
    const model = dense(4);
    const exported = exportLayersModel({ model, preprocessing: { features } });
    expect(exported.model.graph.nodes.slice(0, 3).map((node) => node.opType)).toEqual(['Sub', 'Div', 'MatMul']);
    await expectFolded(model, exported, (rows) => rawRows(features, rows, 10 + rows), 'numeric');
  });

  it('an image standardised per channel into a CNN', async () => {
    const image: ImageSpec = { height: 6, width: 6, channels: 3, mean: [120, 110, 100], std: [60, 50, 40] };
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 3], ...weights() }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, activation: 'softmax', ...weights() }),
      ],
    });
    const exported = exportLayersModel({ model, preprocessing: { image } });
    expect(exported.signature.inputs).toEqual([{ name: 'image', dataType: 'float32', shape: ['N', 6, 6, 3] }]);
    await expectFolded(model, exported, (rows) => randomFloats(rows * 108, rows, 0, 255), 'image-cnn');
  });

  it('an image into a model that takes flat pixels (digits 8x8, pixels 0–16)', async () => {
    const image: ImageSpec = { height: 8, width: 8, channels: 1, mean: 8, std: 16 };
    const model = dense(64, 10);
    const exported = exportLayersModel({ model, preprocessing: { image } });
    await expectFolded(model, exported, (rows) => randomFloats(rows * 64, rows, 0, 16), 'image-flat');
  });

  it('fills missing values in the graph, adds missing indicators after their column, and reads derived dates and booleans', async () => {
    const width = missingAware.reduce((sum, feature) => sum + encodedWidth(feature), 0);
    expect(width).toBe(10);
    const model = identity(width);
    const exported = exportLayersModel({ model, preprocessing: { features: missingAware } });
    paths.push(writeModelFile(dir, 'missing-aware-identity', exported.bytes));
    expect(exported.signature.features).toEqual(missingAware);
    expect(exported.model.graph.nodes.slice(0, 5).map((node) => node.opType)).toEqual(['IsNaN', 'Where', 'Cast', 'Sub', 'Div']);

    const records = [
      { age: null, joined: null, member: null, colour: null, income: 12 },
      { age: 50, joined: '2022-01-03T12:00:00Z', member: 'True', colour: 'green', income: 14 },
      { joined: 'not a date', member: false, colour: 'red' },
    ];
    const raw = Float32Array.from(records.flatMap((record) => featureRow(missingAware, record)));
    const results = await runOnnxModel({ bytes: exported.bytes, feeds: { features: { data: raw, dims: [records.length, missingAware.length] } } });
    const onnx = Array.from(results.output!.data);
    expect(onnx).toEqual(Array.from(encodeFeatures(missingAware, raw, records.length)));
    const days = Math.fround(Date.UTC(2022, 0, 3, 12) / 86_400_000);
    expect(onnx.slice(0, width)).toEqual([-0.5, 1, 0, 0, 1, 0, 0, 0, 1, 1]);
    expect(onnx.slice(width, 2 * width)).toEqual([1, 0, Math.fround(Math.fround(days - 19000) / 100), -1.5, 0, 1, 0, 1, 0, 2]);
    // Without impute (income), a missing value stays NaN, as for older models.
    expect(onnx.slice(2 * width, 3 * width)).toEqual([-0.5, 1, 0, 0, 1, 0, 1, 0, 0, NaN]);

    const random = dense(width);
    await expectFolded(random, exportLayersModel({ model: random, preprocessing: { features: missingAware } }), (rows) => Float32Array.from({ length: rows * missingAware.length }, (_, i) => raw[i % raw.length]!), 'missing-aware-rows');
  });

  it('a random model with NaN raw inputs: ONNX Runtime equals tfjs on the reference encoding', async () => {
    const features = missingAware.slice(0, 5);
    const model = dense(features.reduce((sum, feature) => sum + encodedWidth(feature), 0));
    const exported = exportLayersModel({ model, preprocessing: { features } });
    expect(exported.signature.inputs[0]!.shape).toEqual(['N', 5]);
    const withMissing = (rows: number) => rawRows(features, rows, 40 + rows).map((value, i) => (i % 3 === 0 ? NaN : value));
    await expectFolded(model, exported, withMissing, 'missing-aware-random');
    // Every feature here has impute: no NaN reaches the output.
    const { onnx } = await verifyExport({ model, exported, input: withMissing(7), rows: 7 });
    expect(onnx.some(Number.isNaN)).toBe(false);
  });

  it('exports files that pass onnx.checker.check_model(full_check=True)', async () => {
    const results = await checkWithOnnx(paths);
    expect(Object.values(results)).toEqual(paths.map(() => 'ok'));
  });

  it('rejects a description that does not fit the model, or is invalid, with MLSHIP_E_CONFIG', () => {
    const config = expect.objectContaining({ code: 'MLSHIP_E_CONFIG' });
    expect(() => exportLayersModel({ model: dense(13), preprocessing: { features: mixed } })).toThrow(config);
    const twice: FeatureSpec[] = [mixed[0] as FeatureSpec, mixed[0] as FeatureSpec];
    expect(() => exportLayersModel({ model: dense(2), preprocessing: { features: twice } })).toThrow(config);
    expect(() => exportLayersModel({ model: dense(64), preprocessing: { features: mixed, image: { height: 8, width: 8, channels: 1 } } })).toThrow(config);
    expect(() => exportLayersModel({ model: dense(64), preprocessing: { image: { height: 8, width: 8, channels: 1, std: [1, 2] } } })).toThrow(config);
  });
});
