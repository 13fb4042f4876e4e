// Distillation on a small seeded problem (cpu backend), and the loss's value on known inputs.
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { caught } from '@mlship/test-utils';
import { buildModel, fitEpochs } from '@mlship/train';
import { loadTf, randomFloats } from '../../test/helpers.js';
import { distillationLoss, distillLayersModel, softenProbabilities } from './distill-layers-model.js';

const tf = await loadTf();

const softmax = (row: number[]) => {
  const max = Math.max(...row);
  const exps = row.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
};

describe('distillationLoss', () => {
  const labels = [[0, 1, 0], [1, 0, 0]];
  const teacherLogits = [[1, 3, -1], [2, 0.5, 0]];
  const studentLogits = [[0.2, 1.5, 0.1], [0.3, 0.9, -0.4]];

  /** The loss written out row by row from its definition. */
  function expected(temperature: number, alpha: number): number {
    const rows = labels.map((label, row) => {
      const ps = softmax(studentLogits[row]!);
      const hard = -label.reduce((sum, y, k) => sum + y * Math.log(ps[k]!), 0);
      const pt = softmax(teacherLogits[row]!.map((z) => z / temperature));
      const pst = softmax(studentLogits[row]!.map((z) => z / temperature));
      const kl = pt.reduce((sum, p, k) => sum + p * Math.log(p / pst[k]!), 0);
      return alpha * hard + (1 - alpha) * temperature ** 2 * kl;
    });
    return rows.reduce((a, b) => a + b, 0) / rows.length;
  }

  function value(temperature: number, alpha: number): number {
    return tf.tidy(() => {
      const teacherProbabilities = tf.softmax(tf.tensor2d(teacherLogits));
      const targets = tf.concat([tf.tensor2d(labels), softenProbabilities(tf, teacherProbabilities, temperature)], 1);
      const logits = tf.tensor2d(studentLogits);
      return distillationLoss(tf, { classes: 3, temperature, alpha })(targets, tf.concat([logits, logits], 1)).dataSync()[0]!;
    });
  }

  it.each([
    [1, 0.5],
    [4, 0.1],
    [4, 0],
    [10, 1],
  ])('equals alpha·CE + (1 − alpha)·T²·KL at T=%d, alpha=%d', (temperature, alpha) => {
    expect(value(temperature, alpha)).toBeCloseTo(expected(temperature, alpha), 5);
  });

  it('scales the soft term by T²', () => {
    const soft = value(4, 0);
    const unscaled = expected(4, 0) / 16;
    expect(soft / unscaled).toBeCloseTo(16, 3);
  });

  it('is zero for the soft term when the student matches the teacher', () => {
    const loss = tf.tidy(() => {
      const logits = tf.tensor2d(teacherLogits);
      const targets = tf.concat([tf.tensor2d(labels), softenProbabilities(tf, tf.softmax(logits), 3)], 1);
      return distillationLoss(tf, { classes: 3, temperature: 3, alpha: 0 })(targets, tf.concat([logits, logits], 1)).dataSync()[0]!;
    });
    expect(Math.abs(loss)).toBeLessThan(1e-5);
  });
});

/** Four classes from the sign pattern of two fixed projections of 16 features. */
function dataset(count: number, dataSeed: number): { x: Float32Array; y: Float32Array; count: number; labels: number[] } {
  const x = randomFloats(count * 16, dataSeed);
  const projection = randomFloats(32, 7);
  const y = new Float32Array(count * 4);
  const labels: number[] = [];
  for (let row = 0; row < count; row++) {
    const [a, b] = [0, 1].map((k) => x.subarray(row * 16, row * 16 + 16).reduce((sum, v, f) => sum + v * projection[k * 16 + f]!, 0));
    const label = (a! > 0 ? 2 : 0) + (b! > 0 ? 1 : 0);
    labels.push(label);
    y[row * 4 + label] = 1;
  }
  return { x, y, count, labels };
}

function accuracy(model: LayersModel, data: ReturnType<typeof dataset>): number {
  const predicted = tf.tidy(() => (model.predict(tf.tensor2d(data.x, [data.count, 16])) as Tensor).argMax(-1).dataSync());
  return data.labels.filter((label, row) => predicted[row] === label).length / data.count;
}

describe('distillLayersModel', () => {
  const train = dataset(384, 1);
  const heldOut = dataset(128, 2);
  let teacher: LayersModel;

  beforeAll(async () => {
    teacher = buildModel({ tf, model: { mlp: [64, 32] }, inputShape: [16], outputUnits: 4, outputActivation: 'softmax', seed: 1 });
    teacher.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    await fitEpochs({ tf, model: teacher, x: tf.tensor2d(train.x, [384, 16]), y: tf.tensor2d(train.y, [384, 4]), epochs: 20, batchSize: 32, seed: 1 });
  });

  it('trains a smaller softmax student that learns the task', async () => {
    const epochs: number[] = [];
    const result = await distillLayersModel({
      tf,
      teacher,
      student: { mlp: [8] },
      inputShape: [16],
      classes: 4,
      train,
      validation: heldOut,
      temperature: 4,
      alpha: 0.1,
      epochs: 15,
      batchSize: 32,
      seed: 2,
      optimizer: { name: 'adam', learningRate: 0.02 },
      earlyStopping: { monitor: 'val_loss', patience: 5 },
      onEpoch: (event) => epochs.push(event.epoch),
    });
    const { student } = result;
    expect(result.parameters).toEqual({ teacher: teacher.countParams(), student: 16 * 8 + 8 + 8 * 4 + 4 });
    expect(result.parameters.teacher / result.parameters.student).toBeGreaterThan(10);
    expect(epochs).toEqual(result.history.map((record) => record.epoch));
    expect(result.history[0]).toEqual(expect.objectContaining({ loss: expect.any(Number), valLoss: expect.any(Number), accuracy: expect.any(Number), valAccuracy: expect.any(Number) }));
    expect(result.history.at(-1)!.loss).toBeLessThan(result.history[0]!.loss);
    // Softmax output: rows sum to 1.
    const sums = tf.tidy(() => (student.predict(tf.tensor2d(heldOut.x.subarray(0, 64), [4, 16])) as Tensor).sum(-1).dataSync());
    for (const sum of sums) expect(sum).toBeCloseTo(1, 5);
    expect(student.layers.at(-1)!.getConfig().activation).toBe('softmax');
    const teacherAccuracy = accuracy(teacher, heldOut);
    expect(teacherAccuracy).toBeGreaterThan(0.8);
    expect(accuracy(student, heldOut)).toBeGreaterThan(0.6);
    student.dispose();
  });

  it('refuses a bad temperature, alpha or labels', async () => {
    const base = { tf, teacher, student: { mlp: [4] }, inputShape: [16], classes: 4, train, temperature: 4, alpha: 0.1, epochs: 1, batchSize: 32, seed: 1, optimizer: { name: 'adam' } };
    for (const bad of [{ temperature: 0 }, { alpha: 1.5 }, { classes: 3 }]) {
      expect(await caught(distillLayersModel({ ...base, ...bad }))).toMatchObject({ code: 'MLSHIP_E_COMPRESS_OPTIONS' });
    }
  });
});
