import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cell } from '@mlship/data';
import type { Tensor } from '@tensorflow/tfjs';
import type { Table } from './dataset/load-table.js';
import type { BatchEvent, EpochEvent } from './fit/fit-epochs.js';
import { loadTrainSpec, requireTrainSpec } from './spec/load-train-spec.js';
import { loadTfjs } from './tfjs.js';
import { trainModel, type TrainModelResult } from './train-model.js';
import { weightsDigest } from './weights-digest.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const iris = join(root, 'examples', 'iris', 'iris.csv');
const tf = await loadTfjs();

async function predict(result: TrainModelResult): Promise<Float32Array> {
  const heldOut = result.heldOut!;
  const x = tf.tensor(heldOut.x, [heldOut.count, ...result.inputShape]);
  const y = result.model.predict(x) as Tensor;
  try {
    return (await y.data()) as Float32Array;
  } finally {
    tf.dispose([x, y]);
  }
}

describe('trainModel on iris', () => {
  it('reaches accuracy ≥ 0.9 on the held-out split with examples/iris/train.yaml', async () => {
    const spec = requireTrainSpec(await loadTrainSpec(join(root, 'examples', 'iris', 'train.yaml')), 'train.yaml');
    const epochs: EpochEvent[] = [];
    const batches: BatchEvent[] = [];
    const result = await trainModel({ data: iris, spec, onEpoch: (event) => void epochs.push(event), onBatch: (event) => void batches.push(event) });

    expect(result.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(result.split).toEqual({ train: 90, validation: 30, test: 30, labelled: 150, dropped: { missingLabel: 0, missingFeature: 0, unseenClass: 0 } });
    expect(result.heldOut).toMatchObject({ part: 'test', source: 'data', count: 30 });
    expect(result.backend.name).toBe('wasm');
    expect(result.task).toEqual({ task: 'classification', reason: 'set in the spec' });
    const probabilities = await predict(result);
    const actual = result.heldOut!.actual;
    let correct = 0;
    for (let i = 0; i < actual.length; i++) {
      const row = Array.from(probabilities.subarray(i * 3, i * 3 + 3));
      if (row.indexOf(Math.max(...row)) === actual[i]) correct += 1;
    }
    expect(correct / actual.length).toBeGreaterThanOrEqual(0.9);

    expect(epochs.map((event) => event.epoch)).toEqual(result.history.map((record) => record.epoch));
    expect(epochs[0]).toMatchObject({ epoch: 1, epochs: 100, loss: expect.any(Number), accuracy: expect.any(Number), val_loss: expect.any(Number), val_accuracy: expect.any(Number) });
    expect(batches.slice(0, 6).map((event) => [event.epoch, event.batch, event.batches])).toEqual([1, 2, 3, 4, 5, 6].map((batch) => [1, batch, 6]));
    expect(result.stopped.epochs).toBe(result.history.length);
    if (result.stopped.early) expect(result.stopped.bestEpoch).toBeLessThan(result.history.length);
    result.model.dispose();
  });

  it('gives bit-identical weights for the same data, spec, seed and backend (dropout included)', async () => {
    const spec = { label: 'species', model: { mlp: [16, 8], dropout: 0.2 }, optimizer: { name: 'adam' as const, learningRate: 0.01 }, epochs: 6, batchSize: 16 };
    const digests: string[] = [];
    for (const seed of [7, 7, 8]) {
      const result = await trainModel({ data: iris, spec, seed });
      digests.push(await weightsDigest(result.model));
      expect(result.model.layers.map((layer) => layer.name)).toEqual(['dense_1', 'dropout_1', 'dense_2', 'dropout_2', 'output']);
      result.model.dispose();
    }
    expect(digests[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digests[1]).toBe(digests[0]);
    expect(digests[2]).not.toBe(digests[0]);
  });

  it('trains from the data and label alone with the default spec', async () => {
    const result = await trainModel({ data: iris, label: 'species', epochs: 3 });
    expect(result.spec).toMatchObject({ task: 'classification', model: { mlp: [64, 32] }, epochs: 3, validation: { split: 0.2, test: 0.2, stratify: true } });
    expect(result.task.reason).toBe('species holds non-numeric values such as "setosa"');
    expect(result.history).toHaveLength(3);
    result.model.dispose();
  });
});

describe('trainModel on a regression table', () => {
  // y = 1000 + 50·x1 − 20·x2: the label is far from zero-mean, unit-variance.
  const rows = Array.from({ length: 200 }, (_, i): Cell[] => {
    const x1 = (i % 20) / 2;
    const x2 = Math.floor(i / 20) / 3;
    return [String(x1), String(x2), String(1000 + 50 * x1 - 20 * x2)];
  });
  const table: Table = { columns: ['x1', 'x2', 'y'], rows, lines: rows.map((_, i) => i + 2) };

  it('predicts in the label units: the label scaling is folded into the output layer', async () => {
    const result = await trainModel({
      data: table,
      label: 'y',
      spec: { model: { mlp: [] }, optimizer: { name: 'adam', learningRate: 0.05 }, epochs: 60, batchSize: 16, earlyStopping: false },
    });
    expect(result.task.task).toBe('regression');
    expect(result.history[0]).toHaveProperty('mae');
    const predicted = await predict(result);
    const actual = result.heldOut!.actual;
    const worst = Math.max(...Array.from(actual, (value, i) => Math.abs(value - predicted[i]!)));
    expect(worst).toBeLessThan(5);
    result.model.dispose();
  });

  it('refuses a label it cannot find and a diverging run with coded errors', async () => {
    await expect(trainModel({ data: table, label: 'nope' })).rejects.toMatchObject({ code: 'MLSHIP_E_TRAIN_DATA', exitCode: 2 });
    await expect(trainModel({ data: table, label: 'y', spec: { task: 'regression', preprocessing: { numeric: 'none', label: 'none' }, optimizer: { name: 'sgd', learningRate: 10 }, epochs: 5 } })).rejects.toMatchObject({
      code: 'MLSHIP_E_TRAIN_FAILED',
      exitCode: 3,
    });
  });
});
