/**
 * From a loaded table and a resolved spec to training and validation arrays: label parsing, the
 * seeded split, feature kinds and preprocessing fitted on the training rows only, and encoding.
 */
import { quoteDataValue } from '@mlship/core';
import type { FeatureSpec, PreprocessingSpec } from '@mlship/onnx';
import { distinctSorted } from '../evaluate/label-order.js';
import { trainDataError } from '../errors.js';
import type { ResolvedTrainSpec } from '../spec/train-spec.js';
import { numberOfCell, textOfCell } from './cells.js';
import { encodeInputs, modelInputShape, rawColumns, rawInputs } from './encode-rows.js';
import { settleFeatureKinds } from './feature-kinds.js';
import { describePersonalColumn, personalColumns } from './personal-columns.js';
import { fitPreprocessing, meanAndStd } from './fit-preprocessing.js';
import type { Table } from './load-table.js';
import { splitRows } from './split-rows.js';

export interface PrepareDataOptions {
  table: Table;
  spec: ResolvedTrainSpec;
  /** The separate validation table when the spec names one (`validation.data`). */
  validationTable?: Table;
}

/** One part of the data (training or validation), encoded. */
export interface EncodedPart {
  /** Row indices into its table, ascending. */
  rows: number[];
  count: number;
  /** Raw inputs as the exported ONNX model takes them: [count, raw columns], row-major. */
  raw: Float32Array;
  /** Inputs as the tfjs model takes them: [count, …inputShape]. */
  x: Float32Array;
  /** Training targets: one-hot [count, classes], or [count, 1] (standardised with `labelScaling`). */
  y: Float32Array;
  /** Classification: the class index of each row. Regression: the label in its own units. */
  labels: Int32Array | Float32Array;
}

export interface PreparedData {
  /** Feature columns in order (for an image, the pixel columns). */
  features: string[];
  /** The columns of a raw input row, in order (what `featureRow` reads). */
  rawColumns: FeatureSpec[];
  preprocessing: PreprocessingSpec;
  /** The tfjs model's input shape without the batch axis. */
  inputShape: number[];
  /** Classification: class names, a class's index is its position (sorted as scikit-learn sorts labels). */
  classes: string[] | null;
  /** Regression with label scaling: y = (label − mean) / std while training. */
  labelScaling: { mean: number; std: number } | null;
  train: EncodedPart;
  validation: EncodedPart | null;
  /** Rows left out, by reason. */
  dropped: { missingLabel: number; missingFeature: number; unseenClass: number };
  warnings: string[];
}

function columnIndex(table: Table, name: string, role: string, where: string): number {
  const index = table.columns.indexOf(name);
  if (index < 0) {
    throw trainDataError(`${role} column ${JSON.stringify(name)} is not in the ${where}`, `columns there: ${table.columns.slice(0, 20).join(', ')}${table.columns.length > 20 ? ', …' : ''}`, {
      column: name,
    });
  }
  return index;
}

/** The label of each row with one: a number (regression, or classification with numeric labels) or text. */
function readLabels(table: Table, index: number, spec: ResolvedTrainSpec, numericClasses: boolean, where: string): Map<number, number | string> {
  const labels = new Map<number, number | string>();
  table.rows.forEach((cells, row) => {
    const cell = cells[index] ?? null;
    const text = textOfCell(cell);
    if (text === undefined) return;
    if (spec.task === 'classification' && !numericClasses) {
      labels.set(row, text);
      return;
    }
    const value = numberOfCell(cell);
    if (value === undefined) {
      throw trainDataError(`${where}: line ${table.lines[row]}: label ${quoteDataValue(text)} is not a number, but the task is regression`, 'set task: classification, or fix the label column', {
        line: table.lines[row],
      });
    }
    labels.set(row, value);
  });
  return labels;
}

/** True when every present label cell of the tables is a number: classes then sort numerically. */
function hasNumericLabels(tables: Array<{ table: Table; index: number }>): boolean {
  return tables.every(({ table, index }) =>
    table.rows.every((cells) => {
      const cell = cells[index] ?? null;
      return textOfCell(cell) === undefined || numberOfCell(cell) !== undefined;
    }),
  );
}

function settleFeatures(table: Table, spec: ResolvedTrainSpec): string[] {
  if (spec.features) {
    for (const name of spec.features) columnIndex(table, name, 'feature', 'data');
    return spec.features;
  }
  const features = table.columns.filter((name) => name !== spec.label && !spec.exclude.includes(name));
  if (features.length === 0) throw trainDataError('no feature columns: the data holds only the label (and excluded columns)', 'add feature columns to the data');
  return features;
}

/**
 * The features without the columns that hold personal data (each named in a warning), unless the spec
 * hashes them; a label holding personal data is refused: the model would learn to output it.
 */
function withoutPersonalColumns(tables: Table[], features: string[], spec: ResolvedTrainSpec, warnings: string[]): string[] {
  if (spec.preprocessing.image) return features;
  const personal = personalColumns(tables, [...features, spec.label]);
  const labelData = personal.get(spec.label);
  if (labelData) {
    throw trainDataError(`the label column ${JSON.stringify(spec.label)} holds personal data (${describePersonalColumn(labelData)})`, 'a model must not learn to output personal data: choose another label', {
      column: spec.label,
    });
  }
  const hashed = (name: string) => Object.hasOwn(spec.preprocessing.columns, name) && (spec.preprocessing.columns[name] as { hashBuckets?: number }).hashBuckets !== undefined;
  const kept = features.filter((name) => {
    const counts = personal.get(name);
    if (!counts || hashed(name)) return true;
    warnings.push(
      `column ${JSON.stringify(name)} holds personal data (${describePersonalColumn(counts)}): left out of the features; to use it, hash it (preprocessing.columns.${name}: {type: category, hashBuckets: 64})`,
    );
    return false;
  });
  if (kept.length === 0) throw trainDataError('no feature columns left: every one holds personal data', 'add other feature columns, or hash one with preprocessing.columns.<name>.hashBuckets');
  return kept;
}

function fitLabelScaling(values: number[]): { mean: number; std: number } {
  const { mean, std } = meanAndStd(values);
  return { mean, std: std === 0 ? 1 : std };
}

/** Prepares the data for training (see the file comment). Data that cannot train the spec is MLSHIP_E_TRAIN_DATA. */
export function prepareData(options: PrepareDataOptions): PreparedData {
  const { table, spec, validationTable } = options;
  if ('data' in spec.validation && !validationTable) throw new Error('prepareData: the spec names validation data; pass it as validationTable');
  const warnings: string[] = [];
  const classification = spec.task === 'classification';
  const features = withoutPersonalColumns(validationTable ? [table, validationTable] : [table], settleFeatures(table, spec), spec, warnings);
  const labelIndex = columnIndex(table, spec.label, 'label', 'data');
  const validationLabelIndex = validationTable ? columnIndex(validationTable, spec.label, 'label', 'validation data') : -1;
  if (validationTable) for (const name of features) columnIndex(validationTable, name, 'feature', 'validation data');

  const numericClasses =
    classification &&
    hasNumericLabels([{ table, index: labelIndex }, ...(validationTable ? [{ table: validationTable, index: validationLabelIndex }] : [])]);
  const labels = readLabels(table, labelIndex, spec, numericClasses, 'data');
  const validationLabels = validationTable ? readLabels(validationTable, validationLabelIndex, spec, numericClasses, 'validation data') : undefined;
  const missingLabel = table.rows.length - labels.size + (validationTable ? validationTable.rows.length - validationLabels!.size : 0);
  if (missingLabel > 0) warnings.push(`${missingLabel} rows without a label were left out`);

  // The split, over the rows with a label.
  const labelled = [...labels.keys()];
  let trainRows: number[];
  let validationRows: number[] = [];
  if (validationTable || !('split' in spec.validation)) {
    trainRows = labelled;
  } else {
    const { split, stratify, seed } = spec.validation;
    let strata: Int32Array | undefined;
    if (stratify) {
      const names = distinctSorted(labelled.map((row) => labels.get(row)!));
      const position = new Map(names.map((name, c) => [name, c]));
      strata = Int32Array.from(labelled, (row) => position.get(String(labels.get(row)!))!);
    }
    const parts = splitRows(labelled.length, { fraction: split, seed, ...(strata ? { classes: strata } : {}) });
    trainRows = parts.train.map((i) => labelled[i]!);
    validationRows = parts.validation.map((i) => labelled[i]!);
  }
  if (!validationTable && validationRows.length === 0) warnings.push('no validation rows: nothing is held out to evaluate on');

  // Feature kinds from the training rows; rows missing a numeric feature cannot be encoded.
  const kinds = settleFeatureKinds(table, features, trainRows, spec.preprocessing);
  const numericColumns = (t: Table) => kinds.filter((kind) => kind.kind === 'numeric').map((kind) => t.columns.indexOf(kind.name));
  const complete = (t: Table, columns: number[]) => (row: number) => columns.every((index) => numberOfCell(t.rows[row]![index]) !== undefined);
  const trainComplete = trainRows.filter(complete(table, numericColumns(table)));
  const validationSource = validationTable ?? table;
  const heldOut = validationTable ? [...validationLabels!.keys()] : validationRows;
  const validationComplete = heldOut.filter(complete(validationSource, numericColumns(validationSource)));
  const missingFeature = trainRows.length - trainComplete.length + heldOut.length - validationComplete.length;
  if (missingFeature > 0) warnings.push(`${missingFeature} rows with a missing or non-numeric value in a numeric feature were left out`);
  if (trainComplete.length === 0) throw trainDataError('no training rows are left', 'check the label and feature columns for missing values');

  // Classes come from the training rows; validation rows of other classes cannot be scored.
  let classes: string[] | null = null;
  let unseenClass = 0;
  let validationKept = validationComplete;
  if (classification) {
    classes = distinctSorted(trainComplete.map((row) => labels.get(row)!));
    if (classes.length < 2) {
      throw trainDataError(`the training rows hold ${classes.length} class (${classes.join(', ')}): classification needs two or more`, 'check the label column, or set task: regression');
    }
    const known = new Set(classes);
    const source = validationLabels ?? labels;
    validationKept = validationComplete.filter((row) => known.has(String(source.get(row)!)));
    unseenClass = validationComplete.length - validationKept.length;
    if (unseenClass > 0) warnings.push(`${unseenClass} validation rows of classes absent from the training rows were left out`);
  }

  const preprocessing = fitPreprocessing(table, kinds, trainComplete, spec.preprocessing.image);
  const columns = rawColumns(preprocessing, features);
  const labelScaling = !classification && spec.preprocessing.label === 'standardize' ? fitLabelScaling(trainComplete.map((row) => labels.get(row) as number)) : null;

  const encodePart = (source: Table, rows: number[], values: Map<number, number | string>): EncodedPart => {
    const raw = rawInputs(source, rows, columns);
    const x = encodeInputs(preprocessing, raw, rows.length);
    if (classes) {
      const position = new Map(classes.map((name, c) => [name, c]));
      const indices = Int32Array.from(rows, (row) => position.get(String(values.get(row)!))!);
      const y = new Float32Array(rows.length * classes.length);
      indices.forEach((c, i) => (y[i * classes!.length + c] = 1));
      return { rows, count: rows.length, raw, x, y, labels: indices };
    }
    const targets = Float32Array.from(rows, (row) => values.get(row) as number);
    const y = labelScaling ? targets.map((value) => (value - labelScaling.mean) / labelScaling.std) : targets.slice();
    return { rows, count: rows.length, raw, x, y, labels: targets };
  };

  const validation = validationKept.length > 0 ? encodePart(validationSource, validationKept, validationLabels ?? labels) : null;
  return {
    features,
    rawColumns: columns,
    preprocessing,
    inputShape: modelInputShape(preprocessing),
    classes,
    labelScaling,
    train: encodePart(table, trainComplete, labels),
    validation,
    dropped: { missingLabel, missingFeature, unseenClass },
    warnings,
  };
}
