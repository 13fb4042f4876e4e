/**
 * The training loop: one `model.fit` call per epoch on rows shuffled by a seeded permutation, Dropout
 * masks seeded per batch, early stopping with the best weights restored. Nothing here draws from
 * Math.random, so the same data, seed and backend give the same weights bit for bit.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { trainingFailed } from '../errors.js';
import { createRandom, randomPermutation } from '../evaluate/seeded-random.js';
import { dropoutLayers } from '../model/build-model.js';
import type { Tf } from '../tfjs.js';
import { createEarlyStopping, type EarlyStoppingConfig } from './early-stopping.js';

/** One epoch's figures. Keys follow the history names: loss, accuracy | mae, and val_ of each. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  loss: number;
  accuracy?: number;
  mae?: number;
  val_loss?: number;
  val_accuracy?: number;
  val_mae?: number;
  durationMs: number;
}

export interface EpochEvent extends EpochRecord {
  /** Epochs planned (training may stop early). */
  epochs: number;
}

export interface BatchEvent {
  epoch: number;
  epochs: number;
  /** 1-based batch within the epoch. */
  batch: number;
  batches: number;
  loss: number;
}

export interface FitEpochsOptions {
  tf: Tf;
  /** A compiled model. */
  model: LayersModel;
  x: Tensor;
  y: Tensor;
  validation?: { x: Tensor; y: Tensor };
  epochs: number;
  batchSize: number;
  seed: number;
  classWeight?: Record<number, number>;
  earlyStopping?: (EarlyStoppingConfig & { restoreBestWeights: boolean }) | null;
  onEpoch?: (event: EpochEvent) => void | Promise<void>;
  onBatch?: (event: BatchEvent) => void | Promise<void>;
}

export interface FitEpochsResult {
  history: EpochRecord[];
  /** Epochs run. */
  epochs: number;
  stoppedEarly: boolean;
  /** The best epoch by the monitored value (null without early stopping). */
  bestEpoch: number | null;
  /** The weights are those of `bestEpoch` rather than of the last epoch. */
  restoredBest: boolean;
}

const HISTORY_KEYS = ['accuracy', 'mae', 'val_loss', 'val_accuracy', 'val_mae'] as const;

/** tfjs names accuracy `acc`; mlship uses the metric names the evaluation reports. */
function normaliseKey(key: string): string {
  return key.replace(/(^|_)acc$/, '$1accuracy');
}

function batchesIn(rows: number, batchSize: number): number {
  return Math.ceil(rows / batchSize);
}

export async function fitEpochs(options: FitEpochsOptions): Promise<FitEpochsResult> {
  const { tf, model, x, y, validation, epochs, batchSize, seed } = options;
  const rows = x.shape[0]!;
  const shuffle = createRandom(`mlship.shuffle:${seed}`);
  const dropoutSeeds = createRandom(`mlship.dropout:${seed}`);
  const dropouts = dropoutLayers(model) as unknown as Array<{ seed?: number }>;
  const tracker = options.earlyStopping ? createEarlyStopping(options.earlyStopping) : null;
  const history: EpochRecord[] = [];
  let best: Tensor[] | null = null;
  let stoppedEarly = false;
  const batches = batchesIn(rows, batchSize);

  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const started = performance.now();
      const order = tf.tensor1d(randomPermutation(rows, shuffle), 'int32');
      const xs = tf.gather(x, order);
      const ys = tf.gather(y, order);
      order.dispose();
      let logs: Record<string, number>;
      try {
        const fitted = await model.fit(xs, ys, {
          epochs: epoch + 1,
          initialEpoch: epoch,
          batchSize,
          shuffle: false,
          verbose: 0,
          yieldEvery: 'never',
          ...(validation ? { validationData: [validation.x, validation.y] as [Tensor, Tensor] } : {}),
          ...(options.classWeight ? { classWeight: options.classWeight } : {}),
          callbacks: {
            onBatchBegin: async () => {
              // A fixed Dropout seed would repeat one mask; a new seed from the spec seed each batch does not.
              for (const layer of dropouts) layer.seed = Math.floor(dropoutSeeds() * 2 ** 31);
            },
            onBatchEnd: async (batch, batchLogs) => {
              await options.onBatch?.({ epoch: epoch + 1, epochs, batch: batch + 1, batches, loss: Number(batchLogs?.loss) });
            },
          },
        });
        logs = Object.fromEntries(Object.entries(fitted.history).map(([key, values]) => [normaliseKey(key), Number(values[0])]));
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('Kernel ')) {
          throw trainingFailed(`training failed on this backend: ${error.message}`, 'choose another backend with --backend', error);
        }
        throw error;
      } finally {
        xs.dispose();
        ys.dispose();
      }
      const tracked = Object.fromEntries(HISTORY_KEYS.filter((key) => logs[key] !== undefined).map((key) => [key, logs[key]]));
      const record: EpochRecord = { epoch: epoch + 1, loss: logs.loss ?? NaN, ...tracked, durationMs: performance.now() - started };
      history.push(record);
      if (!Number.isFinite(record.loss)) {
        throw trainingFailed(`the loss became ${record.loss} in epoch ${epoch + 1}`, 'lower the learning rate, or check the features for extreme values');
      }
      await options.onEpoch?.({ ...record, epochs });
      if (tracker && options.earlyStopping) {
        const value = logs[options.earlyStopping.monitor];
        if (value === undefined) throw new Error(`early stopping monitors ${options.earlyStopping.monitor}, which training does not report`);
        const verdict = tracker.observe(epoch + 1, value);
        if (verdict === 'improved' && options.earlyStopping.restoreBestWeights) {
          best?.forEach((tensor) => tensor.dispose());
          best = model.getWeights().map((weight) => weight.clone());
        }
        if (verdict === 'stop') {
          stoppedEarly = true;
          break;
        }
      }
    }
    const restoredBest = best !== null && tracker?.bestEpoch !== history.length;
    if (best && restoredBest) model.setWeights(best);
    return { history, epochs: history.length, stoppedEarly, bestEpoch: tracker?.bestEpoch ?? null, restoredBest };
  } finally {
    best?.forEach((tensor) => tensor.dispose());
    for (const layer of dropouts) delete layer.seed;
  }
}
