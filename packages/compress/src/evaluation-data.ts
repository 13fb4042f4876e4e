/**
 * The rows a compression is judged on, and the rows static quantization calibrates on. For a model
 * `mlship train` stored, the held-out rows of its own split (recorded in predictions.json: its test
 * rows, or its validation rows for a version stored before the test part existed) of its own training
 * data, checked against the recorded digest; for an imported model, `--eval-data`.
 */
import { booleanText, type FeatureSpec, type Signature } from '@mlship/onnx';
import {
  columnCells,
  createRandom,
  encodeLabels,
  featureColumns,
  inputDims,
  inputRows,
  loadTable,
  numberOfCell,
  randomPermutation,
  resolveTrainingData,
  splitPlanOf,
  textOfCell,
  type Table,
} from '@mlship/train';
import { compressDataError } from './errors.js';
import type { SourceModel } from './source-model.js';

/** Raw model inputs, as the ONNX model takes them: `count` rows of `rowDims`. */
export interface InputRows {
  name: string;
  rowDims: number[];
  count: number;
  data: Float32Array;
}

export interface EvaluationData {
  /** Where the rows come from, in words (for the report). */
  description: string;
  input: InputRows;
  task: 'classification' | 'regression';
  classes: string[] | null;
  /** Class indices into `classes`, or label values. */
  actual: number[];
  /** The table the model was trained on, and the rows it trained on (null for --eval-data). */
  training: { table: Table; rows: number[] } | null;
  /** The held-out source (the training table, or the spec's validation or test table), when training facts exist. */
  heldOutTable: Table | null;
  /** The spec's separate validation and test tables, when it names them (what training read). */
  tables: { validation: Table | null; test: Table | null };
  features: FeatureSpec[];
  label: string;
}

export interface EvaluationDataOptions {
  registry: string;
  source: SourceModel;
  workDir: string;
  /** Evaluate on this file or dataset instead of the recorded held-out rows (required for imported models). */
  evalData?: string;
  /** The label column of `evalData` (default: the one the model records). */
  label?: string;
  /** The training data when it moved: a file or dataset whose digest equals the recorded one. */
  data?: string;
}

function subTable(table: Table, rows: readonly number[]): Table {
  return { columns: table.columns, rows: rows.map((row) => table.rows[row]!), lines: rows.map((row) => table.lines[row]!) };
}

function inputOf(source: SourceModel, table: Table, features: FeatureSpec[]): InputRows {
  const input = source.signature.inputs[0];
  if (!input || source.signature.inputs.length !== 1) {
    throw compressDataError(`${source.artifact.ref} takes ${source.signature.inputs.length} inputs; mlship compresses models with one float32 input`, 'compress it with ONNX Runtime tools directly');
  }
  const data = inputRows(table, features);
  const dims = inputDims(input, table.rows.length, features.length);
  return { name: input.name, rowDims: dims.slice(1), count: table.rows.length, data };
}

/** Class indices or label values; class names read as training read them (booleans as "true"/"false", numbers by value). */
function actualOf(table: Table, label: string, classes: string[] | null, labelType: Signature['labelType']): number[] {
  const index = table.columns.indexOf(label);
  if (index < 0) throw compressDataError(`the data has no label column ${JSON.stringify(label)}`, `its columns: ${table.columns.slice(0, 20).join(', ')}; pass --label COLUMN`);
  const cells = columnCells(table, index);
  const className = (cell: (typeof cells)[number]): string | null => {
    const text = textOfCell(cell);
    if (text === undefined) return null;
    if (labelType === 'boolean') return booleanText(cell) ?? text;
    if (labelType === 'number') return String(numberOfCell(cell) ?? text);
    return text;
  };
  if (classes) return encodeLabels(cells.map(className), classes).indices;
  return cells.map((cell, row) => {
    const value = numberOfCell(cell);
    if (value === undefined) throw compressDataError(`line ${table.lines[row]}: the label ${label} is missing or not a number`, 'drop rows without a label');
    return value;
  });
}

async function loadData(options: EvaluationDataOptions, data: string): Promise<{ table: Table; digest: string; file: string }> {
  const resolved = await resolveTrainingData(data, { workDir: options.workDir, registry: async () => options.registry });
  return { table: await loadTable(resolved.path), digest: resolved.digest, file: resolved.file };
}

export async function loadEvaluationData(options: EvaluationDataOptions): Promise<EvaluationData> {
  const { source } = options;
  const classes = source.signature.labels ?? null;
  const task = classes ? 'classification' : 'regression';
  const recordedLabel = source.facts.label ?? source.spec?.label;
  if (options.evalData !== undefined) {
    const { table, file } = await loadData(options, options.evalData);
    const label = options.label ?? recordedLabel;
    if (label === undefined) throw compressDataError('the model records no label column', 'pass --label COLUMN with --eval-data');
    const features = featureColumns(source.signature, source.facts, table, label, undefined);
    return {
      description: `${file}, all ${table.rows.length} rows (--eval-data)`,
      input: inputOf(source, table, features),
      task,
      classes,
      actual: actualOf(table, label, classes, source.signature.labelType),
      training: null,
      heldOutTable: null,
      tables: { validation: null, test: null },
      features,
      label,
    };
  }
  const { dataset, heldOutRows, spec } = source;
  if (!dataset || !heldOutRows || !source.heldOut || !spec || recordedLabel === undefined) {
    throw compressDataError(`${source.artifact.ref} records no training split to evaluate on (an imported model?)`, 'pass --eval-data FILE --label COLUMN');
  }
  const given = options.data ?? dataset.ref ?? dataset.file;
  let loaded;
  try {
    loaded = await loadData(options, given);
  } catch (error) {
    if ((error as { code?: string }).code !== 'MLSHIP_E_FILE_NOT_FOUND') throw error;
    throw compressDataError(`the training data of ${source.artifact.ref} is not at ${given} any more`, 'pass --data FILE with the same data (its digest is checked), or --eval-data FILE --label COLUMN');
  }
  if (loaded.digest !== dataset.digest) {
    throw compressDataError(
      `${given} is not the data ${source.artifact.ref} was trained on (digest ${loaded.digest.slice(7, 19)}, recorded ${dataset.digest.slice(7, 19)})`,
      'pass --data FILE with the training data itself, or --eval-data FILE --label COLUMN to judge on other data',
    );
  }
  // The rows predictions.json names: the test part (or, for a version stored before it existed, the
  // validation part), of the data or of the spec's separate validation or test table.
  const plan = splitPlanOf(spec);
  const tables = {
    validation: plan.validationData !== null ? (await loadData(options, plan.validationData)).table : null,
    test: plan.testData !== null ? (await loadData(options, plan.testData)).table : null,
  };
  const { part, table: heldOutSource } = source.heldOut;
  const heldOutTable = heldOutSource === 'validation-data' ? tables.validation : heldOutSource === 'test-data' ? tables.test : loaded.table;
  if (!heldOutTable || heldOutRows.some((row) => row >= heldOutTable.rows.length)) {
    throw compressDataError(`the held-out rows of ${source.artifact.ref} do not fit its data`, 'pass --eval-data FILE --label COLUMN');
  }
  const heldOut = subTable(heldOutTable, heldOutRows);
  const features = featureColumns(source.signature, source.facts, heldOut, recordedLabel, undefined);
  // Calibration rows: the recorded training rows, else every row of the data but the held-out ones.
  const excluded = heldOutSource !== 'data' ? new Set<number>() : new Set(heldOutRows);
  const trainingRows = source.trainRows ?? loaded.table.rows.map((_, row) => row).filter((row) => !excluded.has(row));
  const file = heldOutSource === 'validation-data' ? plan.validationData : heldOutSource === 'test-data' ? plan.testData : null;
  const where = file !== null ? `${part} table ${file}` : `${loaded.file}, ${part} split of training (seed ${plan.seed})`;
  return {
    description: `${where}, ${heldOutRows.length} rows`,
    input: inputOf(source, heldOut, features),
    task,
    classes,
    actual: actualOf(heldOut, recordedLabel, classes, source.signature.labelType),
    training: { table: loaded.table, rows: trainingRows },
    heldOutTable,
    tables,
    features,
    label: recordedLabel,
  };
}

export interface CalibrationOptions {
  registry: string;
  workDir: string;
  source: SourceModel;
  evaluation: EvaluationData;
  /** A file or dataset to calibrate on instead of a sample of the training rows. */
  calibration?: string;
  /** At most this many rows (a seeded sample). */
  rows: number;
  seed: number;
}

/** Calibration rows: a seeded sample of `--calibration`, else of the model's training rows (never the held-out rows). */
export async function loadCalibrationRows(options: CalibrationOptions): Promise<{ input: InputRows; description: string }> {
  let table: Table;
  let rows: number[];
  let where: string;
  if (options.calibration !== undefined) {
    const loaded = await loadData(options, options.calibration);
    table = loaded.table;
    rows = table.rows.map((_, row) => row);
    where = loaded.file;
  } else if (options.evaluation.training) {
    ({ table, rows } = options.evaluation.training);
    where = 'the training rows of the source model';
  } else {
    throw compressDataError(
      options.source.spec ? 'static quantization calibrates on the training rows, and --eval-data replaces the training split' : 'static quantization needs calibration data, and this model records no training data',
      'pass --calibration FILE (rows like the ones the model will see)',
    );
  }
  const numeric = options.evaluation.features.filter((feature) => feature.kind !== 'category').map((feature) => {
    const name = feature.derive ? feature.derive.from : feature.name;
    const index = table.columns.indexOf(name);
    if (index < 0) throw compressDataError(`the calibration data has no column ${JSON.stringify(name)}, which the model takes`, `its columns: ${table.columns.slice(0, 20).join(', ')}`);
    return { index, fills: feature.impute !== undefined || feature.derive !== undefined };
  });
  // Rows training dropped (a missing or non-numeric value of a feature the model does not fill) cannot feed it.
  rows = rows.filter((row) => numeric.every(({ index, fills }) => fills || numberOfCell(table.rows[row]![index]) !== undefined));
  if (rows.length === 0) throw compressDataError(`no calibration row of ${where} has every feature the model takes`, 'pass --calibration FILE with complete rows');
  const order = randomPermutation(rows.length, createRandom(`calibration:${options.seed}`));
  const chosen = Array.from(order.subarray(0, Math.min(options.rows, rows.length)), (index) => rows[index]!).sort((a, b) => a - b);
  const sample = subTable(table, chosen);
  return { input: inputOf(options.source, sample, options.evaluation.features), description: `${chosen.length} rows sampled (seed ${options.seed}) from ${where}` };
}
