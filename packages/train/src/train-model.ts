/**
 * `trainModel`: data and a spec (or none) to a trained tfjs model with its fitted preprocessing,
 * history, backend choice and held-out split. Loads tfjs (and a backend) only here.
 */
import type { Cell, ColumnType, ReadTableOptions } from '@mlship/data';
import type { FeatureSpec, PreprocessingSpec } from '@mlship/onnx';
import type { LayersModel } from '@tensorflow/tfjs';
import './backend/builtin-backends.js';
import { resolveBackend, type BackendChoice } from './backend/training-backend.js';
import { classWeightsFor } from './dataset/class-weights.js';
import { columnCells, loadTable, type Table } from './dataset/load-table.js';
import { prepareData, type EncodedPart, type LabelType, type PartSource, type PreparedData } from './dataset/prepare-data.js';
import type { ColumnUse, SchemaColumn } from './dataset/plan-columns.js';
import { trainDataError } from './errors.js';
import { fitEpochs, type BatchEvent, type EpochEvent, type EpochRecord } from './fit/fit-epochs.js';
import { foldLabelScaling } from './fit/fold-label-scaling.js';
import { buildModel } from './model/build-model.js';
import { compileModel } from './model/compile-model.js';
import { defaultTrainSpec } from './spec/default-train-spec.js';
import { inferTask, type TaskInference } from './spec/infer-task.js';
import { resolveTrainSpec, splitPlanOf } from './spec/resolve-train-spec.js';
import type { ResolvedTrainSpec, TrainSpec, TrainTask } from './spec/train-spec.js';
import { loadTfjs, type Tf } from './tfjs.js';

export interface TrainModelOptions {
  /** The training data: a CSV, JSON Lines or Parquet file, or a table already loaded. */
  data: string | Table;
  /** A checked spec (see `loadTrainSpec`). Without one, `defaultTrainSpec` decides from the data and label. */
  spec?: TrainSpec;
  /** Override the spec (what the CLI flags set). */
  label?: string;
  /** The task (`--task`): no inference from the label. */
  task?: TrainTask;
  seed?: number;
  epochs?: number;
  backend?: string;
  /** A validation table instead of the spec's split or validation data. */
  validationData?: string | Table;
  /** The label's type in the data schema, when known (task inference); `schema` gives it too. */
  labelType?: ColumnType;
  /** The data schema's columns, when the data came with one (a stored dataset): feature and label types. */
  schema?: Readonly<Record<string, SchemaColumn>>;
  readOptions?: ReadTableOptions;
  onEpoch?: (event: EpochEvent) => void | Promise<void>;
  onBatch?: (event: BatchEvent) => void | Promise<void>;
}

/** The rows every metric comes from, ready for evaluation and for checking the ONNX export. */
export interface HeldOut {
  /** `test` (never seen by training or early stopping), or `validation` when there is no test part. */
  part: 'test' | 'validation';
  /** Row indices into `table`. */
  rows: number[];
  /** The table the rows come from: the data, or a separate validation or test table (read once, here). */
  table: Table;
  /** Which table that is. */
  source: PartSource;
  count: number;
  /** Raw inputs as the exported ONNX model takes them ([count, rawColumns.length] or [count, H·W·C]). */
  raw: Float32Array;
  /** The same rows as the tfjs model takes them. */
  x: Float32Array;
  /** Classification: class indices into `classes`. Regression: label values. */
  actual: Int32Array | Float32Array;
}

export interface TrainModelResult {
  /** The trained model (predicts class probabilities in `classes` order, or the label in its own units). */
  model: LayersModel;
  /** The spec with every default filled in: record it with the model. */
  spec: ResolvedTrainSpec;
  /** How the task was chosen. */
  task: TaskInference;
  /** The fitted preprocessing, for `exportLayersModel`. */
  preprocessing: PreprocessingSpec;
  /** Feature columns in order (pixel columns for an image). */
  features: string[];
  /** The raw input columns (what `featureRow` reads for the ONNX model). */
  rawColumns: FeatureSpec[];
  /** Classification: class names in output order (the signature's `labels`); regression: null. */
  classes: string[] | null;
  /** Classification: the type of the label's values (the signature's `labelType`); regression: null. */
  labelType: LabelType | null;
  /** The tfjs model's input shape without the batch axis. */
  inputShape: number[];
  history: EpochRecord[];
  stopped: { epochs: number; early: boolean; bestEpoch: number | null; restoredBest: boolean };
  backend: BackendChoice;
  /** Row counts of the parts (after the rows left out), of the data's labelled rows, and of the rows left out by reason. */
  split: {
    train: number;
    validation: number;
    test: number;
    labelled: number;
    dropped: PreparedData['dropped'];
  };
  /** The rows of each part and the table they index: disjoint, and only `validation` reaches early stopping. */
  parts: { train: PartRows; validation: PartRows | null; test: PartRows | null };
  heldOut: HeldOut | null;
  /** How each column of the data is used (feature, derived, excluded), and why. */
  columns: ColumnUse[];
  /** The tables read: the data, and the separate validation and test tables when the spec names them. */
  tables: { data: Table; validation: Table | null; test: Table | null };
  /** tfjs package versions (`tf.version`). */
  versions: Record<string, string>;
  durations: { loadMs: number; prepareMs: number; backendMs: number; trainMs: number; totalMs: number };
  warnings: string[];
}

export interface PartRows {
  rows: number[];
  source: PartSource;
}

async function tableOf(data: string | Table, options: ReadTableOptions | undefined): Promise<Table> {
  return typeof data === 'string' ? loadTable(data, options) : data;
}

function labelCells(table: Table, label: string): Cell[] {
  const index = table.columns.indexOf(label);
  if (index < 0) throw trainDataError(`no column ${JSON.stringify(label)} in the data`, `choose one of: ${table.columns.join(', ')}`, { label });
  return columnCells(table, index);
}

/** Settles the spec: the given one with the overrides applied, or the default for the data and label. */
function settleSpec(options: TrainModelOptions, table: Table): { spec: ResolvedTrainSpec; task: TaskInference; excluded: ColumnUse[] } {
  const overrides: TrainSpec = {
    ...(options.label !== undefined ? { label: options.label } : {}),
    ...(options.task !== undefined ? { task: options.task } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
  };
  const labelType = (label: string) => (options.schema && Object.hasOwn(options.schema, label) ? options.schema[label]!.type : options.labelType);
  let settled: { spec: ResolvedTrainSpec; task: TaskInference; excluded: ColumnUse[] };
  if (options.spec) {
    const spec = { ...options.spec, ...overrides };
    if (spec.label === undefined) throw trainDataError('no label column given', 'set label in the spec or pass --label COLUMN');
    const declared = labelType(spec.label);
    const task = options.task
      ? { task: options.task, reason: 'set with --task' }
      : spec.task
        ? { task: spec.task, reason: 'set in the spec' }
        : inferTask(labelCells(table, spec.label), spec.label, declared, { ...(spec.guards?.maxClassShare !== undefined ? { maxClassShare: spec.guards.maxClassShare } : {}) });
    settled = { spec: resolveTrainSpec({ ...spec, task: task.task }, { task: task.task, rows: table.rows.length }), task, excluded: [] };
  } else {
    if (options.label === undefined) throw trainDataError('no label column given', 'pass --label COLUMN, or a spec that names the label');
    const declared = labelType(options.label);
    const base = defaultTrainSpec({ table, label: options.label, ...(declared ? { labelType: declared } : {}), ...(options.task ? { task: options.task } : {}) });
    const spec = resolveTrainSpec({ label: options.label, exclude: base.spec.exclude, ...overrides }, { task: base.task.task, rows: table.rows.length });
    settled = { spec, task: base.task, excluded: base.excluded.map(({ column, reason }) => ({ column, use: 'excluded', type: reason === 'it has no values' ? 'empty' : 'text', reason })) };
  }
  if (options.validationData !== undefined) {
    settled.spec.validation = {
      ...settled.spec.validation,
      split: 0,
      data: typeof options.validationData === 'string' ? options.validationData : '(a table given in memory)',
    };
  }
  return settled;
}

export interface FitPreparedOptions {
  tf: Tf;
  spec: ResolvedTrainSpec;
  prepared: PreparedData;
  onEpoch?: (event: EpochEvent) => void | Promise<void>;
  onBatch?: (event: BatchEvent) => void | Promise<void>;
}

/** Builds the spec's model for the prepared data (its input shape and classes). */
export function modelBuilder(tf: Tf, spec: ResolvedTrainSpec, prepared: Pick<PreparedData, 'inputShape' | 'classes'>): () => LayersModel {
  const outputUnits = prepared.classes?.length ?? 1;
  return () => {
    const model = buildModel({
      tf,
      model: spec.model,
      inputShape: prepared.inputShape,
      outputUnits,
      outputActivation: prepared.classes ? 'softmax' : 'linear',
      seed: spec.seed,
    });
    compileModel(tf, model, spec);
    return model;
  };
}

/**
 * Trains a new model on the training part, stopping early on the validation part (never the test
 * part), on the active backend; a regression model's label scaling is folded back into it.
 */
export async function fitPrepared(options: FitPreparedOptions): Promise<{ model: LayersModel; fitted: Awaited<ReturnType<typeof fitEpochs>> }> {
  const { tf, spec, prepared } = options;
  const outputUnits = prepared.classes?.length ?? 1;
  const classWeight = prepared.classes && spec.classWeights ? classWeightsFor(spec.classWeights, prepared.classes, prepared.train.labels) : undefined;
  const model = modelBuilder(tf, spec, prepared)();
  const tensors = tf.tidy(() => ({
    x: tf.tensor(prepared.train.x, [prepared.train.count, ...prepared.inputShape]),
    y: tf.tensor2d(prepared.train.y, [prepared.train.count, outputUnits]),
    ...(prepared.validation
      ? {
          validation: {
            x: tf.tensor(prepared.validation.x, [prepared.validation.count, ...prepared.inputShape]),
            y: tf.tensor2d(prepared.validation.y, [prepared.validation.count, outputUnits]),
          },
        }
      : {}),
  }));
  try {
    const fitted = await fitEpochs({
      tf,
      model,
      x: tensors.x,
      y: tensors.y,
      ...(tensors.validation ? { validation: tensors.validation } : {}),
      epochs: spec.epochs,
      batchSize: spec.batchSize,
      seed: spec.seed,
      ...(classWeight ? { classWeight } : {}),
      earlyStopping: spec.earlyStopping,
      ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
      ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    });
    if (prepared.labelScaling) foldLabelScaling(tf, model, prepared.labelScaling);
    return { model, fitted };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose([tensors.x, tensors.y, ...(tensors.validation ? [tensors.validation.x, tensors.validation.y] : [])]);
  }
}

/** The separate validation and test tables the spec names (or the options give). */
async function separateTables(options: TrainModelOptions, spec: ResolvedTrainSpec): Promise<{ validation: Table | null; test: Table | null }> {
  const plan = splitPlanOf(spec);
  let validation: Table | null = null;
  if (options.validationData !== undefined) validation = await tableOf(options.validationData, options.readOptions);
  else if (plan.validationData !== null) validation = await loadTable(plan.validationData, options.readOptions);
  const test = plan.testData !== null ? await loadTable(plan.testData, options.readOptions) : null;
  return { validation, test };
}

/**
 * Trains a model. Spec and data problems are MLSHIP_E_TRAIN_SPEC / MLSHIP_E_TRAIN_DATA (exit 2), an
 * unusable backend MLSHIP_E_TRAIN_BACKEND_* , a diverging run MLSHIP_E_TRAIN_FAILED (exit 3).
 * The chosen tfjs backend stays active afterwards. The caller owns (and disposes) the model.
 */
export async function trainModel(options: TrainModelOptions): Promise<TrainModelResult> {
  const started = performance.now();
  const table = await tableOf(options.data, options.readOptions);
  const { spec, task, excluded } = settleSpec(options, table);
  const tables = await separateTables(options, spec);
  const loaded = performance.now();

  const prepared = prepareData({
    table,
    spec,
    ...(tables.validation ? { validationTable: tables.validation } : {}),
    ...(tables.test ? { testTable: tables.test } : {}),
    ...(options.schema ? { schema: options.schema } : {}),
  });
  if (spec.earlyStopping?.monitor.startsWith('val_') && !prepared.validation) {
    throw trainDataError(`early stopping monitors ${spec.earlyStopping.monitor}, but no validation rows are left`, 'hold out rows (validation.split), or monitor loss');
  }
  const prepareDone = performance.now();

  const tf = await loadTfjs();
  const outputUnits = prepared.classes?.length ?? 1;
  const build = modelBuilder(tf, spec, prepared);
  const backend = await resolveBackend({ tf, requested: spec.backend, trial: () => trialStep(tf, build, prepared.inputShape, outputUnits) });
  const backendDone = performance.now();

  const { model, fitted } = await fitPrepared({
    tf,
    spec,
    prepared,
    ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
  });
  const finished = performance.now();

  const { validation, test, heldOut } = prepared;
  const tableOfPart = (part: EncodedPart): Table => (part.source === 'validation-data' ? tables.validation! : part.source === 'test-data' ? tables.test! : table);
  const rowsOf = (part: EncodedPart | null): PartRows | null => (part ? { rows: part.rows, source: part.source } : null);
  return {
    model,
    spec,
    task,
    preprocessing: prepared.preprocessing,
    features: prepared.features,
    rawColumns: prepared.rawColumns,
    classes: prepared.classes,
    labelType: prepared.labelType,
    inputShape: prepared.inputShape,
    history: fitted.history,
    stopped: { epochs: fitted.epochs, early: fitted.stoppedEarly, bestEpoch: fitted.bestEpoch, restoredBest: fitted.restoredBest },
    backend,
    split: { train: prepared.train.count, validation: validation?.count ?? 0, test: test?.count ?? 0, labelled: prepared.labelled, dropped: prepared.dropped },
    parts: { train: rowsOf(prepared.train)!, validation: rowsOf(validation), test: rowsOf(test) },
    heldOut: heldOut
      ? {
          part: heldOut.part,
          rows: heldOut.data.rows,
          table: tableOfPart(heldOut.data),
          source: heldOut.data.source,
          count: heldOut.data.count,
          raw: heldOut.data.raw,
          x: heldOut.data.x,
          actual: heldOut.data.labels,
        }
      : null,
    columns: [...excluded, ...prepared.columns].sort((a, b) => table.columns.indexOf(a.column) - table.columns.indexOf(b.column)),
    tables: { data: table, validation: tables.validation, test: tables.test },
    versions: { ...(tf.version as Record<string, string>) },
    durations: {
      loadMs: loaded - started,
      prepareMs: prepareDone - loaded,
      backendMs: backendDone - prepareDone,
      trainMs: finished - backendDone,
      totalMs: finished - started,
    },
    warnings: prepared.warnings,
  };
}

/** One optimiser step of a throwaway copy of the model on zeros: fails where the backend lacks a gradient kernel. */
export async function trialStep(tf: Tf, build: () => LayersModel, inputShape: number[], outputUnits: number): Promise<void> {
  const model = build();
  const x = tf.zeros([2, ...inputShape]);
  const y = tf.zeros([2, outputUnits]);
  try {
    await model.trainOnBatch(x, y);
  } finally {
    tf.dispose([x, y]);
    model.dispose();
    model.optimizer.dispose();
  }
}
