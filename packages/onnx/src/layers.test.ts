/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// Differential tests, one small model per layer kind: ONNX Runtime on the export against tfjs's predict.
import type { LayersModel, layers as tfLayers } from '@tensorflow/tfjs';
import { makeTempDir } from '@mlship/test-utils';
import { SUPPORTED_ACTIVATIONS } from './convert/activations.js';
import { OnnxErrorCode } from './errors.js';
import { exportLayersModel } from './export-model.js';
import { checkWithOnnx, loadTf, randomFloats, writeModelFile } from '../test/helpers.js';
import { verifyExport } from './verify-export.js';

const tf = await loadTf();
type Layer = tfLayers.Layer;

const TOLERANCE = 1e-5;
const { dir } = await makeTempDir('mlship-onnx-layers-');
const exportedFiles: string[] = [];
let nextSeed = 1;
const uniform = (minval = -0.5, maxval = 0.5) => tf.initializers.randomUniform({ minval, maxval, seed: nextSeed++ });
const weights = () => ({ kernelInitializer: uniform(), biasInitializer: uniform() });

interface Case {
  name: string;
  inputShape: number[];
  layers: () => Layer[];
  /** Sets weights that initialisers leave trivial (batch-norm statistics, PReLU slopes). */
  setup?: (model: LayersModel) => void;
  range?: [number, number];
}

/** Replaces every weight of layer `index` by seeded values in [low, high). */
function randomiseWeights(model: LayersModel, index: number, low: number, high: number): void {
  const layer = model.layers[index];
  if (!layer) throw new Error(`no layer ${index}`);
  layer.setWeights(layer.getWeights().map((w) => tf.tensor(randomFloats(w.size, nextSeed++, low, high), w.shape)));
}

/** Runs a case at batch sizes 1 and 7; returns the largest error. */
async function expectMatch(testCase: Case): Promise<number> {
  const model = tf.sequential({ layers: testCase.layers() });
  testCase.setup?.(model);
  const exported = exportLayersModel({ model });
  exportedFiles.push(writeModelFile(dir, testCase.name.replace(/[^a-z0-9]+/gi, '-'), exported.bytes));
  let worst = 0;
  for (const rows of [1, 7]) {
    const size = rows * testCase.inputShape.reduce((a, b) => a * b, 1);
    const input = randomFloats(size, 1000 + rows, ...(testCase.range ?? [-1, 1]));
    const { maxAbsError, dims } = await verifyExport({ model, exported, input, rows });
    expect(dims[0]).toBe(rows);
    worst = Math.max(worst, maxAbsError);
  }
  expect(worst).toBeLessThan(TOLERANCE);
  model.dispose();
  return worst;
}

const activationCases: Case[] = SUPPORTED_ACTIVATIONS.map((activation) => ({
  name: `Dense with activation ${activation}`,
  inputShape: [5],
  layers: () => [tf.layers.dense({ units: 6, activation: activation as 'relu', inputShape: [5], ...weights() })],
  range: [-3, 3],
}));

const cases: Case[] = [
  { name: 'Dense', inputShape: [4], layers: () => [tf.layers.dense({ units: 5, inputShape: [4], ...weights() })] },
  { name: 'Dense without bias', inputShape: [4], layers: () => [tf.layers.dense({ units: 3, useBias: false, inputShape: [4], ...weights() })] },
  { name: 'Dense on a rank-3 input', inputShape: [3, 4], layers: () => [tf.layers.dense({ units: 2, inputShape: [3, 4], ...weights() })] },
  ...activationCases,
  { name: 'ReLU with maxValue', inputShape: [6], layers: () => [tf.layers.reLU({ maxValue: 0.4, inputShape: [6] })] },
  { name: 'LeakyReLU', inputShape: [6], layers: () => [tf.layers.leakyReLU({ alpha: 0.2, inputShape: [6] })] },
  { name: 'ELU', inputShape: [6], layers: () => [tf.layers.elu({ inputShape: [6] })], range: [-3, 3] },
  { name: 'ThresholdedReLU', inputShape: [6], layers: () => [tf.layers.thresholdedReLU({ theta: 0.3, inputShape: [6] })] },
  { name: 'Softmax layer', inputShape: [6], layers: () => [tf.layers.softmax({ inputShape: [6] })], range: [-3, 3] },
  { name: 'Softmax layer on a rank-3 input', inputShape: [3, 4], layers: () => [tf.layers.softmax({ axis: -1, inputShape: [3, 4] })], range: [-3, 3] },
  {
    name: 'Softmax layer after Conv2D (channels-first storage)',
    inputShape: [4, 4, 2],
    layers: () => [
      tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [4, 4, 2], ...weights() }),
      tf.layers.softmax({ axis: -1 }),
      tf.layers.flatten(),
    ],
  },
  {
    name: 'PReLU after Conv2D (channels-first storage)',
    inputShape: [5, 5, 2],
    layers: () => [
      tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [5, 5, 2], ...weights() }),
      tf.layers.prelu({}),
      tf.layers.flatten(),
    ],
    setup: (model) => randomiseWeights(model, 1, 0, 0.5),
  },
  { name: 'Conv2D valid', inputShape: [6, 6, 2], layers: () => [tf.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 2], ...weights() })] },
  {
    name: 'Conv2D same, stride 2, relu',
    inputShape: [7, 7, 2],
    layers: () => [tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [7, 7, 2], ...weights() })],
  },
  {
    name: 'Conv2D same, dilation 2',
    inputShape: [8, 8, 1],
    layers: () => [tf.layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', inputShape: [8, 8, 1], ...weights() })],
  },
  {
    name: 'Conv2D with a 3x2 kernel and strides [2, 1]',
    inputShape: [7, 6, 3],
    layers: () => [tf.layers.conv2d({ filters: 2, kernelSize: [3, 2], strides: [2, 1], inputShape: [7, 6, 3], ...weights() })],
  },
  {
    name: 'Conv2D channelsFirst, then Flatten',
    inputShape: [2, 6, 6],
    layers: () => [
      tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', dataFormat: 'channelsFirst', inputShape: [2, 6, 6], ...weights() }),
      tf.layers.flatten({ dataFormat: 'channelsFirst' }),
    ],
  },
  {
    name: 'DepthwiseConv2D, multiplier 2',
    inputShape: [6, 6, 3],
    layers: () => [
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', inputShape: [6, 6, 3], depthwiseInitializer: uniform(), biasInitializer: uniform() }),
    ],
  },
  { name: 'MaxPooling2D valid', inputShape: [6, 6, 2], layers: () => [tf.layers.maxPooling2d({ poolSize: 2, inputShape: [6, 6, 2] })] },
  {
    name: 'MaxPooling2D same 3x3, stride 2',
    inputShape: [7, 7, 2],
    layers: () => [tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', inputShape: [7, 7, 2] })],
  },
  { name: 'AveragePooling2D valid', inputShape: [6, 6, 2], layers: () => [tf.layers.averagePooling2d({ poolSize: 2, inputShape: [6, 6, 2] })] },
  {
    name: 'AveragePooling2D same 3x3, stride 2 (padding not counted)',
    inputShape: [7, 7, 2],
    layers: () => [tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', inputShape: [7, 7, 2] })],
  },
  {
    name: 'GlobalAveragePooling2D after Conv2D',
    inputShape: [6, 6, 2],
    layers: () => [tf.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 2], ...weights() }), tf.layers.globalAveragePooling2d({})],
  },
  {
    name: 'GlobalMaxPooling2D',
    inputShape: [5, 5, 3],
    layers: () => [tf.layers.globalMaxPooling2d({ inputShape: [5, 5, 3] })],
  },
  {
    name: 'Flatten after Conv2D, then Dense',
    inputShape: [5, 5, 2],
    layers: () => [
      tf.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 5, 2], ...weights() }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, ...weights() }),
    ],
  },
  {
    name: 'Reshape to rank 3, then Dense',
    inputShape: [12],
    layers: () => [tf.layers.reshape({ targetShape: [3, 4], inputShape: [12] }), tf.layers.dense({ units: 2, ...weights() })],
  },
  {
    name: 'Reshape to an image, then Conv2D and Flatten',
    inputShape: [16],
    layers: () => [
      tf.layers.reshape({ targetShape: [4, 4, 1], inputShape: [16] }),
      tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', ...weights() }),
      tf.layers.flatten(),
    ],
  },
  {
    name: 'Dropout (identity at inference)',
    inputShape: [4],
    layers: () => [tf.layers.dense({ units: 8, inputShape: [4], ...weights() }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 2, ...weights() })],
  },
  {
    name: 'BatchNormalization on features',
    inputShape: [5],
    layers: () => [tf.layers.batchNormalization({ inputShape: [5] })],
    setup: (model) => randomiseWeights(model, 0, 0.2, 1.5),
    range: [-2, 2],
  },
  {
    name: 'BatchNormalization without scale and center',
    inputShape: [5],
    layers: () => [tf.layers.batchNormalization({ scale: false, center: false, inputShape: [5] })],
    setup: (model) => randomiseWeights(model, 0, 0.2, 1.5),
  },
  {
    name: 'BatchNormalization between Conv2D and MaxPooling2D',
    inputShape: [6, 6, 2],
    layers: () => [
      tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [6, 6, 2], ...weights() }),
      tf.layers.batchNormalization({}),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
    ],
    setup: (model) => randomiseWeights(model, 1, 0.2, 1.5),
  },
];

describe('tfjs → ONNX, layer by layer (ONNX Runtime against tfjs predict, |error| < 1e-5)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    await expectMatch(testCase);
  });

  it('exports files that pass onnx.checker.check_model(full_check=True)', async () => {
    const results = await checkWithOnnx(exportedFiles);
    expect(Object.values(results).filter((result) => result !== 'ok')).toEqual([]);
    expect(Object.keys(results)).toHaveLength(cases.length);
  });
});

describe('layers without an ONNX export', () => {
  it('names the layer in a coded error', () => {
    const model = tf.sequential({ layers: [tf.layers.simpleRNN({ units: 2, inputShape: [3, 4], name: 'my_rnn' })] });
    expect(() => exportLayersModel({ model })).toThrow(expect.objectContaining({ code: OnnxErrorCode.unsupported, message: expect.stringContaining('my_rnn') }));
  });

  it('rejects models that are not a chain of layers', () => {
    const input = tf.input({ shape: [4] });
    const a = tf.layers.dense({ units: 2 }).apply(input) as ReturnType<typeof tf.input>;
    const b = tf.layers.dense({ units: 2 }).apply(input) as ReturnType<typeof tf.input>;
    const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as ReturnType<typeof tf.input>;
    const model = tf.model({ inputs: input, outputs: sum });
    expect(() => exportLayersModel({ model })).toThrow(expect.objectContaining({ code: OnnxErrorCode.unsupported }));
  });
});
