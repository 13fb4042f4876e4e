/**
 * Knowledge distillation for classification (Hinton et al.; Keras' Distiller convention): a student
 * built from a model spec learns from the labels and from the teacher's temperature-softened
 * probabilities,
 *
 *   loss = alpha · CE(labels, softmax(z)) + (1 − alpha) · T² · KL(softmax(log p_t / T) ‖ softmax(z / T))
 *
 * with z the student's logits and p_t the teacher's probabilities (log p_t are the teacher's logits up
 * to a constant, which softmax ignores). T² keeps the soft term's gradients on the scale of the hard one's.
 *
 * Training reuses @mlship/train: `buildModel` builds the student with a linear output (its logits), and
 * `fitEpochs` trains a wrapper whose output is the logits twice over, [z | z], against targets
 * [one-hot labels | softened teacher probabilities], so that one loss function sees both halves.
 * The result is the same student rebuilt with its softmax output and the trained weights.
 */
import { buildModel, fitEpochs, makeOptimizer, DEFAULTS, type ModelSpec, type OptimizerName, type Tf } from '@mlship/train';
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { compressOptionsError } from '../errors.js';

export interface DistillOptions {
  tf: Tf;
  /** A trained classifier whose output is class probabilities. */
  teacher: LayersModel;
  /** The student's architecture: a train spec's `model` section, e.g. { mlp: [32] }. */
  student: ModelSpec;
  /** The input shape without the batch axis. */
  inputShape: number[];
  classes: number;
  train: { x: Float32Array; y: Float32Array; count: number };
  validation?: { x: Float32Array; y: Float32Array; count: number };
  temperature: number;
  /** The weight of the true labels' loss (1 − alpha weighs the teacher's). */
  alpha: number;
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer: { name: string; learningRate?: number };
  /** Monitors loss or val_loss (the distillation loss), or accuracy / val_accuracy (on the labels). */
  earlyStopping?: { monitor: string; patience: number; minDelta?: number; restoreBestWeights?: boolean } | null;
  onEpoch?: (event: { epoch: number; epochs: number; loss: number; valLoss?: number }) => void;
}

export interface DistillResult {
  /** The trained student: softmax output, exportable by exportLayersModel. The caller disposes it. */
  student: LayersModel;
  history: Array<{ epoch: number; loss: number; valLoss?: number; accuracy?: number; valAccuracy?: number }>;
  stopped: { epochs: number; early: boolean; bestEpoch: number | null };
  parameters: { teacher: number; student: number };
}

/** Teacher probabilities below this are treated as this before taking logs (float32 softmax underflows to 0). */
const MIN_PROBABILITY = 1e-30;

/** softmax(log p / T) row-wise for probabilities `probabilities` [N, K]. */
export function softenProbabilities(tf: Tf, probabilities: Tensor, temperature: number): Tensor {
  return tf.tidy(() => tf.softmax(tf.div(tf.log(tf.clipByValue(probabilities, MIN_PROBABILITY, 1)), temperature)));
}

/**
 * The distillation loss over [N, 2K] targets [one-hot | softened teacher probabilities] and [N, 2K]
 * predictions [z | z] (student logits twice): the batch mean of the per-row loss in the file comment.
 */
export function distillationLoss(tf: Tf, options: { classes: number; temperature: number; alpha: number }): (targets: Tensor, predictions: Tensor) => Tensor {
  const { classes, temperature, alpha } = options;
  return (targets, predictions) =>
    tf.tidy(() => {
      const labels = targets.slice([0, 0], [-1, classes]);
      const soft = targets.slice([0, classes], [-1, classes]);
      const logits = predictions.slice([0, 0], [-1, classes]);
      const hard = tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1));
      const studentSoft = tf.logSoftmax(tf.div(logits, temperature));
      const kl = tf.sum(tf.mul(soft, tf.sub(tf.log(tf.clipByValue(soft, MIN_PROBABILITY, 1)), studentSoft)), -1);
      return tf.mean(tf.add(tf.mul(alpha, hard), tf.mul((1 - alpha) * temperature * temperature, kl)));
    });
}

/** Accuracy on the labels' half of the targets (named so that history keys read accuracy / val_accuracy). */
function labelAccuracy(tf: Tf, classes: number): (targets: Tensor, predictions: Tensor) => Tensor {
  const accuracy = (targets: Tensor, predictions: Tensor) =>
    tf.tidy(() => tf.cast(tf.equal(tf.argMax(targets.slice([0, 0], [-1, classes]), -1), tf.argMax(predictions.slice([0, 0], [-1, classes]), -1)), 'float32'));
  return accuracy;
}

/** Teacher probabilities for `x`, softened, in batches. */
function teacherTargets(tf: Tf, teacher: LayersModel, part: { x: Float32Array; y: Float32Array; count: number }, inputShape: number[], classes: number, temperature: number, batchSize: number): Tensor {
  return tf.tidy(() => {
    const x = tf.tensor(part.x, [part.count, ...inputShape]);
    const probabilities = teacher.predict(x, { batchSize: Math.max(batchSize, 256) }) as Tensor;
    if (probabilities.shape.at(-1) !== classes) throw compressOptionsError(`the teacher predicts ${String(probabilities.shape.at(-1))} values a row, not ${classes} class probabilities`, 'distil classification models');
    return tf.concat([tf.tensor2d(part.y, [part.count, classes]), softenProbabilities(tf, probabilities, temperature)], 1);
  });
}

/** Checks the options a user sets; MLSHIP_E_COMPRESS_OPTIONS for a bad one. */
function checkOptions(options: DistillOptions): void {
  if (!(Number.isFinite(options.temperature) && options.temperature > 0)) throw compressOptionsError(`temperature ${options.temperature} is not a number > 0`, 'use a temperature from 1 to 20 (4 is usual)');
  if (!(options.alpha >= 0 && options.alpha <= 1)) throw compressOptionsError(`alpha ${options.alpha} is outside [0, 1]`, 'alpha weighs the true labels\' loss: 0.1 is usual');
  if (options.train.y.length !== options.train.count * options.classes) throw compressOptionsError(`the training labels are not one-hot over ${options.classes} classes`, 'distil classification models');
}

/** Trains a student from `teacher`; MLSHIP_E_COMPRESS_OPTIONS for bad options, MLSHIP_E_TRAIN_MODEL for a student spec that does not fit. */
export async function distillLayersModel(options: DistillOptions): Promise<DistillResult> {
  checkOptions(options);
  const { tf, teacher, inputShape, classes, train, validation, temperature, alpha } = options;
  const name = options.optimizer.name as OptimizerName;
  const optimizer = makeOptimizer(tf, { name, learningRate: options.optimizer.learningRate ?? DEFAULTS.learningRate[name] });
  const spec = { tf, model: options.student, inputShape, outputUnits: classes, seed: options.seed };
  const logits = buildModel({ ...spec, outputActivation: 'linear' });
  const doubled = tf.layers.concatenate({ axis: -1 }).apply([logits.outputs[0]!, logits.outputs[0]!]) as import('@tensorflow/tfjs').SymbolicTensor;
  const wrapper = tf.model({ inputs: logits.inputs, outputs: doubled });
  wrapper.compile({ optimizer, loss: distillationLoss(tf, { classes, temperature, alpha }), metrics: [labelAccuracy(tf, classes)] });

  const x = tf.tensor(train.x, [train.count, ...inputShape]);
  const y = teacherTargets(tf, teacher, train, inputShape, classes, temperature, options.batchSize);
  const held = validation ? { x: tf.tensor(validation.x, [validation.count, ...inputShape]), y: teacherTargets(tf, teacher, validation, inputShape, classes, temperature, options.batchSize) } : undefined;
  try {
    const early = options.earlyStopping;
    const fitted = await fitEpochs({
      tf,
      model: wrapper,
      x,
      y,
      ...(held ? { validation: held } : {}),
      epochs: options.epochs,
      batchSize: options.batchSize,
      seed: options.seed,
      earlyStopping: early ? { monitor: early.monitor, patience: early.patience, minDelta: early.minDelta ?? 0, restoreBestWeights: early.restoreBestWeights ?? true } : null,
      ...(options.onEpoch ? { onEpoch: (event) => options.onEpoch!({ epoch: event.epoch, epochs: event.epochs, loss: event.loss, ...(event.val_loss !== undefined ? { valLoss: event.val_loss } : {}) }) } : {}),
    });
    const student = buildModel({ ...spec, outputActivation: 'softmax' });
    student.setWeights(logits.getWeights());
    return {
      student,
      history: fitted.history.map((record) => ({
        epoch: record.epoch,
        loss: record.loss,
        ...(record.val_loss !== undefined ? { valLoss: record.val_loss } : {}),
        ...(record.accuracy !== undefined ? { accuracy: record.accuracy } : {}),
        ...(record.val_accuracy !== undefined ? { valAccuracy: record.val_accuracy } : {}),
      })),
      stopped: { epochs: fitted.epochs, early: fitted.stoppedEarly, bestEpoch: fitted.bestEpoch },
      parameters: { teacher: teacher.countParams(), student: student.countParams() },
    };
  } finally {
    tf.dispose([x, y, ...(held ? [held.x, held.y] : [])]);
    optimizer.dispose();
    // The wrapper's layers are the logits model's: disposing it frees both.
    wrapper.dispose();
  }
}
