/**
 * Magnitude pruning with fine-tuning, in tfjs, in place (TF-MOT's prune_low_magnitude): at each step
 * the schedule names, every Dense and Conv2D kernel keeps its largest-magnitude weights and zeroes the
 * rest (exactly round(sparsity × size) zeros, ties broken by position); after every optimiser step the
 * masks are applied again, so pruned weights stay exactly 0 however the optimiser's state moves them.
 * Biases are not pruned. Training runs through @mlship/train's `fitEpochs` (seeded shuffles and Dropout).
 */
import { compileModel, fitEpochs, taskOfLoss, DEFAULTS, type OptimizerName, type ResolvedTrainSpec, type Tf } from '@mlship/train';
import type { LayersModel, LayerVariable, Tensor } from '@tensorflow/tfjs';
import { compressOptionsError } from '../errors.js';
import { checkSchedule, sparsityAt, type PruningSchedule } from './pruning-schedule.js';

export interface PruneLayersOptions {
  tf: Tf;
  /** A trained model (softmax or linear output, as `mlship train` builds it); pruned in place. */
  model: LayersModel;
  train: { x: Float32Array; y: Float32Array; count: number };
  /** The input shape without the batch axis. */
  inputShape: number[];
  validation?: { x: Float32Array; y: Float32Array; count: number };
  schedule: PruningSchedule;
  epochs: number;
  batchSize: number;
  seed: number;
  /** From the stored train spec; the learning rate defaults to the optimiser's usual one. */
  optimizer: { name: string; learningRate?: number };
  loss: string;
  /**
   * Kernels with fewer elements stay dense (default 256, `encodeSparseWeights`' own minimum: pruning a
   * weight the artifact stores dense anyway costs accuracy and saves nothing, and the first conv
   * layer's few weights are the ones pruning hurts most).
   */
  minParameters?: number;
  onEpoch?: (event: { epoch: number; epochs: number; loss: number; sparsity: number }) => void;
}

export interface PrunedLayer {
  layer: string;
  /** The kernel's variable name (dense_1/kernel). */
  weight: string;
  parameters: number;
  zeros: number;
  sparsity: number;
}

export interface PruneLayersResult {
  layers: PrunedLayer[];
  /** Optimiser steps run. */
  steps: number;
  history: Array<{ epoch: number; loss: number; valLoss?: number }>;
}

const PRUNABLE_LAYERS = new Set(['Dense', 'Conv2D']);

export const DEFAULT_MIN_PARAMETERS = 256;

/** The kernels pruning masks: one per Dense and Conv2D layer with at least `minParameters` weights, in layer order. */
export function prunableWeights(model: LayersModel, minParameters = 0): Array<{ layer: string; variable: LayerVariable }> {
  return model.layers
    .filter((layer) => PRUNABLE_LAYERS.has(layer.getClassName()))
    .flatMap((layer) => {
      const kernel = layer.trainableWeights.find((weight) => weight.originalName.endsWith('kernel'));
      const size = kernel ? kernel.shape.reduce<number>((product, dim) => product * (dim ?? 0), 1) : 0;
      return kernel && size >= minParameters ? [{ layer: layer.name, variable: kernel }] : [];
    });
}

/** A 0/1 mask keeping all but the round(sparsity × size) smallest-magnitude values. */
function magnitudeMask(values: Float32Array, sparsity: number): Float32Array {
  const zeros = Math.round(sparsity * values.length);
  const order = Uint32Array.from(values.keys()).sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!) || a - b);
  const mask = new Float32Array(values.length).fill(1);
  for (let i = 0; i < zeros; i++) mask[order[i]!] = 0;
  return mask;
}

function countZeros(values: Float32Array): number {
  let zeros = 0;
  for (const value of values) if (value === 0) zeros++;
  return zeros;
}

/**
 * Prunes and fine-tunes `model` in place. A schedule that is unsound or ends after the last training
 * step is MLSHIP_E_COMPRESS_OPTIONS (exit 2). Returns the sparsity each kernel reached.
 */
export async function pruneLayersModel(options: PruneLayersOptions): Promise<PruneLayersResult> {
  const { tf, model, train, validation, schedule, epochs, batchSize, inputShape } = options;
  const steps = epochs * Math.ceil(train.count / batchSize);
  const problems = checkSchedule(schedule, steps);
  if (problems.length > 0) throw compressOptionsError(`the pruning schedule does not work: ${problems.join('; ')}`, 'adjust --end-step, --epochs, --frequency or the sparsities');
  const minParameters = options.minParameters ?? DEFAULT_MIN_PARAMETERS;
  const weights = prunableWeights(model, minParameters);
  if (weights.length === 0) throw compressOptionsError(`the model has no Dense or Conv2D layer with ${minParameters} or more weights to prune`, 'prune larger models');

  const name = options.optimizer.name as OptimizerName;
  const optimizer: ResolvedTrainSpec['optimizer'] = { name, learningRate: options.optimizer.learningRate ?? DEFAULTS.learningRate[name] };
  compileModel(tf, model, { optimizer, loss: options.loss as ResolvedTrainSpec['loss'], task: taskOfLoss(options.loss) ?? 'classification' });

  let masks: Tensor[] = [];
  let sparsity = 0;
  const updateMasks = (target: number) => {
    tf.dispose(masks);
    masks = weights.map(({ variable }) => {
      const values = variable.read().dataSync() as Float32Array;
      return tf.tensor(magnitudeMask(values, target), variable.read().shape);
    });
    sparsity = target;
  };
  const applyMasks = () => {
    tf.tidy(() => weights.forEach(({ variable }, index) => variable.write(tf.mul(variable.read(), masks[index]!))));
  };

  let step = 0;
  const maybeUpdate = () => {
    const target = sparsityAt(schedule, step);
    if (target === null) return;
    updateMasks(target);
    applyMasks();
  };

  const outputs = train.y.length / train.count;
  const tensors = tf.tidy(() => ({
    x: tf.tensor(train.x, [train.count, ...inputShape]),
    y: tf.tensor2d(train.y, [train.count, outputs]),
    ...(validation
      ? { validation: { x: tf.tensor(validation.x, [validation.count, ...inputShape]), y: tf.tensor2d(validation.y, [validation.count, outputs]) } }
      : {}),
  }));
  try {
    maybeUpdate();
    const fitted = await fitEpochs({
      tf,
      model,
      x: tensors.x,
      y: tensors.y,
      ...(tensors.validation ? { validation: tensors.validation } : {}),
      epochs,
      batchSize,
      seed: options.seed,
      earlyStopping: null,
      onBatch: () => {
        if (masks.length > 0) applyMasks();
        step++;
        maybeUpdate();
      },
      ...(options.onEpoch ? { onEpoch: (event) => options.onEpoch!({ epoch: event.epoch, epochs: event.epochs, loss: event.loss, sparsity }) } : {}),
    });
    const layers = weights.map(({ layer, variable }) => {
      const values = variable.read().dataSync() as Float32Array;
      const zeros = countZeros(values);
      return { layer, weight: variable.name, parameters: values.length, zeros, sparsity: zeros / values.length };
    });
    const history = fitted.history.map((record) => ({ epoch: record.epoch, loss: record.loss, ...(record.val_loss !== undefined ? { valLoss: record.val_loss } : {}) }));
    return { layers, steps: step, history };
  } finally {
    tf.dispose([...masks, tensors.x, tensors.y, ...(tensors.validation ? [tensors.validation.x, tensors.validation.y] : [])]);
    model.optimizer.dispose();
  }
}
