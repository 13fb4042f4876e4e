/** Every default of a train spec filled in, once the task and the data size are known. */
import { specError } from '../errors.js';
import { checkTrainSpec } from './check-train-spec.js';
import { DEFAULTS, type ResolvedTrainSpec, type TrainSpec, type TrainTask } from './train-spec.js';

export interface ResolveContext {
  /** The task (the spec's own, or inferred from the label). */
  task: TrainTask;
  /** Rows in the data (before the split), for the epoch and batch size defaults. */
  rows: number;
  /** The label when the spec names none (`--label`). */
  label?: string;
}

/** Batches per run the default number of epochs aims at. */
export const TARGET_STEPS = 2000;
export const MIN_EPOCHS = 10;
export const MAX_EPOCHS = 200;

/** Default batch size: 32, or 256 above 10,000 rows. */
export function defaultBatchSize(rows: number): number {
  return rows > 10_000 ? 256 : 32;
}

/** Default epochs: enough for about TARGET_STEPS batches, within MIN_EPOCHS…MAX_EPOCHS. */
export function defaultEpochs(trainRows: number, batchSize: number): number {
  const batchesPerEpoch = Math.max(1, Math.ceil(trainRows / batchSize));
  return Math.min(MAX_EPOCHS, Math.max(MIN_EPOCHS, Math.ceil(TARGET_STEPS / batchesPerEpoch)));
}

/**
 * The spec with every choice made. Throws MLSHIP_E_TRAIN_SPEC (exit 2) when the rules that need the
 * task fail (a regression loss for a classification label) or no label is named.
 */
export function resolveTrainSpec(spec: TrainSpec, context: ResolveContext): ResolvedTrainSpec {
  const { task, rows } = context;
  const label = spec.label ?? context.label;
  if (label === undefined) throw specError('no label column: the spec names none', 'set label in the spec or pass --label COLUMN');
  const problems = checkTrainSpec({ ...spec, label }, task);
  if (problems.errors.length > 0) {
    throw specError(`train spec is not valid for ${task}: ${problems.errors.join('; ')}`, 'fix the spec, or set task explicitly', { errors: problems.errors });
  }

  const seed = spec.seed ?? DEFAULTS.seed;
  const validationSpec = spec.validation ?? {};
  const validation =
    validationSpec.data !== undefined
      ? { data: validationSpec.data }
      : {
          split: validationSpec.split ?? DEFAULTS.validationSplit,
          stratify: task === 'classification' && (validationSpec.stratify ?? true),
          seed: validationSpec.seed ?? seed,
        };
  const hasValidation = 'data' in validation || validation.split > 0;
  const trainRows = 'data' in validation ? rows : Math.round(rows * (1 - validation.split));

  const pre = spec.preprocessing ?? {};
  const optimizer = typeof spec.optimizer === 'string' ? { name: spec.optimizer } : (spec.optimizer ?? { name: 'adam' as const });
  const batchSize = spec.batchSize ?? defaultBatchSize(rows);
  const early = spec.earlyStopping;

  return {
    version: 1,
    task,
    label,
    features: spec.features ?? null,
    exclude: spec.exclude ?? [],
    preprocessing: {
      numeric: pre.numeric ?? 'standardize',
      categories: pre.categories ?? 'onehot',
      columns: pre.columns ?? {},
      image: pre.image ? { ...pre.image, scaling: pre.image.scaling ?? 'standardize' } : null,
      label: task === 'regression' ? (pre.label ?? 'standardize') : 'none',
    },
    model: spec.model ?? { mlp: [...DEFAULTS.mlp], activation: DEFAULTS.activation },
    optimizer: {
      name: optimizer.name,
      learningRate: optimizer.learningRate ?? DEFAULTS.learningRate[optimizer.name],
      ...(optimizer.momentum !== undefined ? { momentum: optimizer.momentum } : {}),
    },
    loss: spec.loss ?? (task === 'classification' ? 'categoricalCrossentropy' : 'meanSquaredError'),
    epochs: spec.epochs ?? defaultEpochs(trainRows, batchSize),
    batchSize,
    validation,
    earlyStopping:
      early === false
        ? null
        : {
            monitor: early?.monitor ?? (hasValidation ? 'val_loss' : 'loss'),
            patience: early?.patience ?? DEFAULTS.patience,
            minDelta: early?.minDelta ?? 0,
            restoreBestWeights: early?.restoreBestWeights ?? true,
          },
    classWeights: task === 'classification' ? (spec.classWeights ?? null) : null,
    seed,
    backend: spec.backend ?? DEFAULTS.backend,
    gates: spec.gates ?? [],
  };
}
