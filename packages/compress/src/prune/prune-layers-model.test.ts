// Magnitude pruning with fine-tuning on small seeded tfjs models (cpu backend).
import type { LayersModel } from '@tensorflow/tfjs';
import { caught } from '@mlship/test-utils';
import { fitEpochs } from '@mlship/train';
import { loadTf, randomFloats } from '../../test/helpers.js';
import { prunableWeights, pruneLayersModel } from './prune-layers-model.js';

const tf = await loadTf();
let seed = 10;
const init = () => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) });

/** A separable 3-class problem: the class is the argmax of three fixed projections of the features. */
function dataset(count: number, features: number, dataSeed: number): { x: Float32Array; y: Float32Array; count: number; labels: number[] } {
  const x = randomFloats(count * features, dataSeed);
  const projection = randomFloats(features * 3, 99);
  const y = new Float32Array(count * 3);
  const labels: number[] = [];
  for (let row = 0; row < count; row++) {
    const scores = [0, 1, 2].map((k) => {
      let sum = 0;
      for (let f = 0; f < features; f++) sum += x[row * features + f]! * projection[f * 3 + k]!;
      return sum;
    });
    const label = scores.indexOf(Math.max(...scores));
    labels.push(label);
    y[row * 3 + label] = 1;
  }
  return { x, y, count, labels };
}

function accuracy(model: LayersModel, data: ReturnType<typeof dataset>, inputShape: number[]): number {
  const predicted = tf.tidy(() => (model.predict(tf.tensor(data.x, [data.count, ...inputShape])) as import('@tensorflow/tfjs').Tensor).argMax(-1).dataSync());
  return data.labels.filter((label, row) => predicted[row] === label).length / data.count;
}

const mlp = () =>
  tf.sequential({
    layers: [
      tf.layers.dense({ units: 32, activation: 'relu', inputShape: [16], ...init() }),
      tf.layers.dense({ units: 16, activation: 'relu', ...init() }),
      tf.layers.dense({ units: 3, activation: 'softmax', ...init() }),
    ],
  });

const cnn = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [4, 4, 1], ...init() }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.1 }),
      tf.layers.dense({ units: 3, activation: 'softmax', ...init() }),
    ],
  });

const base = { batchSize: 32, seed: 3, optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy' };

describe.each([
  { name: 'MLP 16→32→16→3', build: mlp, inputShape: [16] },
  { name: 'CNN 4x4x1 → Conv2D 4 → Dropout → Dense 3', build: cnn, inputShape: [4, 4, 1] },
])('$name', ({ build, inputShape }) => {
  const train = dataset(256, 16, 1);
  const heldOut = dataset(128, 16, 2);

  it('reaches the final sparsity exactly in every kernel, keeps it while training on, and stays accurate', async () => {
    const model = build();
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    await fitEpochs({ tf, model, x: tf.tensor(train.x, [256, ...inputShape]), y: tf.tensor2d(train.y, [256, 3]), epochs: 15, batchSize: 32, seed: 1 });
    const before = accuracy(model, heldOut, inputShape);
    const biases = model.layers.flatMap((layer) => layer.trainableWeights.filter((w) => w.originalName.endsWith('bias')).map((w) => w.read().dataSync().slice()));
    const sparsities: number[] = [];
    // 8 steps an epoch, 48 in all: the masks reach 75% at step 16, then 31 more steps train with them fixed.
    const result = await pruneLayersModel({
      tf,
      model,
      train,
      validation: heldOut,
      inputShape,
      schedule: { initialSparsity: 0.25, finalSparsity: 0.75, beginStep: 0, endStep: 16, frequency: 4 },
      epochs: 6,
      minParameters: 0,
      ...base,
      onEpoch: (event) => sparsities.push(event.sparsity),
    });
    expect(result.steps).toBe(48);
    expect(result.history).toHaveLength(6);
    expect(result.history.every((record) => Number.isFinite(record.loss) && Number.isFinite(record.valLoss))).toBe(true);
    expect(sparsities[0]).toBeGreaterThan(0.25);
    expect(sparsities.slice(2)).toEqual([0.75, 0.75, 0.75, 0.75]);
    const kernels = prunableWeights(model);
    expect(result.layers.map((layer) => layer.layer)).toEqual(kernels.map((kernel) => kernel.layer));
    for (const [index, layer] of result.layers.entries()) {
      expect(layer.zeros).toBe(Math.round(0.75 * layer.parameters));
      expect(layer.sparsity).toBeCloseTo(0.75, 2);
      const values = kernels[index]!.variable.read().dataSync();
      expect(values.filter((value) => value === 0)).toHaveLength(layer.zeros);
    }
    // Biases are trained, not pruned.
    const after = model.layers.flatMap((layer) => layer.trainableWeights.filter((w) => w.originalName.endsWith('bias')).map((w) => w.read().dataSync()));
    expect(after.every((values, i) => values.every((value) => value !== 0) && values.some((value, j) => value !== biases[i]![j]))).toBe(true);
    expect(before).toBeGreaterThan(0.8);
    expect(accuracy(model, heldOut, inputShape)).toBeGreaterThan(before - 0.1);
    model.dispose();
  });
});

it('leaves kernels below minParameters dense (default 256)', async () => {
  const model = mlp();
  const train = dataset(64, 16, 4);
  const result = await pruneLayersModel({ tf, model, train, inputShape: [16], epochs: 1, ...base, schedule: { initialSparsity: 0.5, finalSparsity: 0.5, beginStep: 0, endStep: 1, frequency: 1 } });
  expect(result.layers.map((layer) => [layer.parameters, layer.zeros])).toEqual([[512, 256], [512, 256]]);
  const output = model.layers.at(-1)!.trainableWeights[0]!.read().dataSync();
  expect(output.every((value) => value !== 0)).toBe(true);
  model.dispose();
});

it('refuses a schedule that ends after the last training step, and a model with nothing to prune', async () => {
  const model = mlp();
  const train = dataset(64, 16, 3);
  const options = { tf, model, train, inputShape: [16], epochs: 2, ...base, schedule: { initialSparsity: 0, finalSparsity: 0.5, beginStep: 0, endStep: 4, frequency: 1 } };
  expect(await caught(pruneLayersModel(options))).toMatchObject({ code: 'MLSHIP_E_COMPRESS_OPTIONS', message: expect.stringContaining('end step 4 is past the last of the 4 training steps') });
  const flat = tf.sequential({ layers: [tf.layers.activation({ activation: 'relu', inputShape: [16] })] });
  expect(await caught(pruneLayersModel({ ...options, model: flat, schedule: { ...options.schedule, endStep: 3 } }))).toMatchObject({ code: 'MLSHIP_E_COMPRESS_OPTIONS' });
  model.dispose();
});
