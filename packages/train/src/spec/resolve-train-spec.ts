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
  const validation: ResolvedTrainSpec['validation'] = {
    split: validationSpec.data !== undefined ? 0 : (validationSpec.split ?? DEFAULTS.validationSplit),
    test: validationSpec.testData !== undefined ? 0 : (validationSpec.test ?? DEFAULTS.testSplit),
    stratify: task === 'classification' && (validationSpec.stratify ?? true),
    seed: validationSpec.seed ?? seed,
    data: validationSpec.data ?? null,
    testData: validationSpec.testData ?? null,
  };
  const hasValidation = validation.data !== null || validation.split > 0;
  const trainRows = Math.round(rows * (1 - validation.split - validation.test));
  const cv = spec.crossValidation;
  const crossValidation =
    cv === false
      ? null
      : cv === true
        ? { folds: DEFAULTS.folds, rowsBelow: null }
        : { folds: cv?.folds ?? DEFAULTS.folds, rowsBelow: cv?.rowsBelow ?? DEFAULTS.crossValidationRowsBelow };

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
      missing: { numeric: pre.missing?.numeric ?? 'median', categories: pre.missing?.categories ?? 'auto', indicator: pre.missing?.indicator ?? false },
      unknown: pre.unknown ?? 'unknown',
      datetime: { parts: [...(pre.datetime?.parts ?? DEFAULTS.datetimeParts)] },
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
    crossValidation,
    guards: { minClassRows: spec.guards?.minClassRows ?? DEFAULTS.minClassRows, maxClassShare: spec.guards?.maxClassShare ?? DEFAULTS.maxClassShare },
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

/** How a resolved spec splits the data, for specs of every mlship version. */
export interface SplitPlan {
  /** Share of the data's labelled rows for validation (0 with a validation table). */
  validation: number;
  /** Share for the test part (0 with a test table, and for specs stored before the test part existed). */
  test: number;
  stratify: boolean;
  seed: number;
  /** Separate tables (paths as the spec gives them). */
  validationData: string | null;
  testData: string | null;
}

/**
 * The split of a resolved spec. A spec stored before the test part existed holds `{ split, stratify,
 * seed }` or `{ data }`: it has no test part, and its held-out rows were the validation rows.
 */
export function splitPlanOf(spec: Pick<ResolvedTrainSpec, 'validation' | 'seed'>): SplitPlan {
  const v = spec.validation as Partial<ResolvedTrainSpec['validation']>;
  return {
    validation: typeof v.data === 'string' ? 0 : (v.split ?? 0),
    test: typeof v.testData === 'string' ? 0 : (v.test ?? 0),
    stratify: v.stratify ?? false,
    seed: v.seed ?? spec.seed,
    validationData: typeof v.data === 'string' ? v.data : null,
    testData: typeof v.testData === 'string' ? v.testData : null,
  };
}
