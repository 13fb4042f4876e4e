/**
 * From a loaded table and a resolved spec to the three encoded parts: label parsing, the classification
 * guards, the seeded three-way split (training / validation / test), column types, preprocessing and
 * missing-value fills fitted on the training part only, and encoding.
 */
import { quoteDataValue } from '@mlship/core';
import { booleanText, type FeatureSpec, type PreprocessingSpec } from '@mlship/onnx';
import type { Cell } from '@mlship/data';
import { distinctSorted } from '../evaluate/label-order.js';
import { labelError, trainDataError } from '../errors.js';
import { splitPlanOf } from '../spec/resolve-train-spec.js';
import type { ResolvedTrainSpec } from '../spec/train-spec.js';
import { numberOfCell, textOfCell } from './cells.js';
import { encodeInputs, modelInputShape, rawColumns, rawInputs, unfillable } from './encode-rows.js';
import { describePersonalColumn, personalColumns } from './personal-columns.js';
import { fitPreprocessing, meanAndStd } from './fit-preprocessing.js';
import type { Table } from './load-table.js';
import { planColumns, type ColumnUse, type FeatureKind, type SchemaColumn } from './plan-columns.js';
import { splitParts } from './split-rows.js';

/** The type of a classification label's values (the signature's `labelType`). */
export type LabelType = 'string' | 'number' | 'boolean';

/** Where a part's rows come from: the data, or a separate validation or test table. */
export type PartSource = 'data' | 'validation-data' | 'test-data';

export interface PrepareDataOptions {
  table: Table;
  spec: ResolvedTrainSpec;
  /** The separate validation table when the spec names one (`validation.data`). */
  validationTable?: Table;
  /** The separate test table when the spec names one (`validation.testData`). */
  testTable?: Table;
  /**
   * Rows of `table` for each part instead of the spec's seeded split (cross-validation folds). A part
   * that a separate table gives is taken from that table.
   */
  parts?: { train: readonly number[]; validation: readonly number[]; test: readonly number[] };
  /** The data schema's columns, when the data came with one: types of the features and the label. */
  schema?: Readonly<Record<string, SchemaColumn>>;
  /**
   * A stored model's preprocessing and classes, used as they are instead of fitted (compress preparing
   * the data a model was trained on, of any mlship version): the columns are its features.
   */
  fixed?: { preprocessing: PreprocessingSpec; classes: string[] | null; labelType?: LabelType };
}

/** One part of the data (training, validation or test), encoded. */
export interface EncodedPart {
  /** Row indices into its table, ascending. */
  rows: number[];
  /** The table the rows index. */
  source: PartSource;
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
  /** Feature names in order: the raw input columns (derived datetime parts included; for an image, the pixel columns). */
  features: string[];
  /** The columns of a raw input row, in order (what `featureRow` reads). */
  rawColumns: FeatureSpec[];
  preprocessing: PreprocessingSpec;
  /** The tfjs model's input shape without the batch axis. */
  inputShape: number[];
  /** Classification: class names, a class's index is its position (sorted as scikit-learn sorts labels). */
  classes: string[] | null;
  /** Classification: the type of the label's values; null for regression. */
  labelType: LabelType | null;
  /** Regression with label scaling: y = (label − mean) / std while training. */
  labelScaling: { mean: number; std: number } | null;
  train: EncodedPart;
  /** Early stopping and model selection; never evaluated for the reported metrics while there is a test part. */
  validation: EncodedPart | null;
  /** Every reported metric; never seen by training or early stopping. */
  test: EncodedPart | null;
  /** The part the metrics come from: the test part, or the validation part when there is none. */
  heldOut: { part: 'test' | 'validation'; data: EncodedPart } | null;
  /** How each column of the data is used, and why (the label left out). */
  columns: ColumnUse[];
  /** Rows of the data with a label. */
  labelled: number;
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

const TRUE_FALSE = new Set(['true', 'false']);

/** A label cell read as a boolean class: JSON true/false, or the text true/false in any case (1/0 and yes/no too when the schema says boolean). */
function booleanClass(cell: Cell, declared: boolean): string | undefined {
  if (typeof cell === 'boolean') return String(cell);
  if (!declared && !(typeof cell === 'string' && TRUE_FALSE.has(cell.trim().toLowerCase()))) return undefined;
  return booleanText(cell);
}

/** How the label's values are read: as booleans, numbers or text (classification); numbers (regression). */
function labelTypeOf(tables: Array<{ table: Table; index: number }>, spec: ResolvedTrainSpec, options: PrepareDataOptions): LabelType | null {
  if (spec.task !== 'classification') return null;
  const cells = function* () {
    for (const { table, index } of tables) for (const cells of table.rows) yield cells[index] ?? null;
  };
  const present = (cell: Cell) => textOfCell(cell) !== undefined;
  if (options.fixed) {
    if (options.fixed.labelType) return options.fixed.labelType;
  } else {
    const declared = options.schema && Object.hasOwn(options.schema, spec.label) ? options.schema[spec.label]!.type : undefined;
    if (declared === 'boolean') return 'boolean';
    if (declared !== 'category' && declared !== 'string') {
      let any = false;
      let booleans = true;
      for (const cell of cells()) {
        if (!present(cell)) continue;
        any = true;
        if (booleanClass(cell, false) === undefined) {
          booleans = false;
          break;
        }
      }
      if (any && booleans) return 'boolean';
    }
    if (declared === 'category' || declared === 'string') return 'string';
  }
  for (const cell of cells()) if (present(cell) && numberOfCell(cell) === undefined) return 'string';
  return 'number';
}

/** The label of each row with one: a number (regression, numeric classes) or a class name. */
function readLabels(table: Table, index: number, spec: ResolvedTrainSpec, labelType: LabelType | null, declaredBoolean: boolean, where: string): Map<number, number | string> {
  const labels = new Map<number, number | string>();
  table.rows.forEach((cells, row) => {
    const cell = cells[index] ?? null;
    const text = textOfCell(cell);
    if (text === undefined) return;
    if (labelType === 'string') {
      labels.set(row, text);
      return;
    }
    if (labelType === 'boolean') {
      const name = booleanClass(cell, declaredBoolean) ?? booleanText(cell);
      if (name === undefined) {
        throw trainDataError(`${where}: line ${table.lines[row]}: label ${quoteDataValue(text)} is not true or false, but the label is boolean`, 'fix the label column, or set its type in the data schema', {
          line: table.lines[row],
        });
      }
      labels.set(row, name);
      return;
    }
    const value = numberOfCell(cell);
    if (value === undefined) {
      throw trainDataError(`${where}: line ${table.lines[row]}: label ${quoteDataValue(text)} is not a number, but the task is ${spec.task}`, 'set task: classification, or fix the label column', {
        line: table.lines[row],
      });
    }
    labels.set(row, value);
  });
  return labels;
}

/**
 * Refuses a classification label that cannot make a useful classifier: an id (a different value in
 * every row), more classes than `maxClassShare` of the rows, classes under `minClassRows` rows.
 */
function checkClassGuards(labels: ReadonlyMap<number, number | string>, spec: ResolvedTrainSpec, labelType: LabelType | null): void {
  const quantity = labelType === 'number' ? 'a numeric label may be a quantity: pass --task regression; or ' : '';
  const counts = new Map<string, number>();
  for (const value of labels.values()) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
  const total = labels.size;
  const label = spec.label;
  if (total >= 3 && counts.size === total) {
    throw labelError(
      `label ${label} holds a different value in every one of its ${total} rows: it looks like an id, not a label (each class would have one row)`,
      'choose a label whose values repeat: the classes to predict',
      { label, rows: total },
    );
  }
  const { minClassRows, maxClassShare } = spec.guards;
  if (counts.size > maxClassShare * total) {
    throw labelError(
      `label ${label} has ${counts.size} classes in ${total} labelled rows, more than ${Math.round(maxClassShare * 1000) / 10}% of the rows: too many classes to learn from so few rows`,
      `${labelType === 'number' ? 'a numeric label is a quantity: pass --task regression; ' : ''}to train these classes anyway, raise guards.maxClassShare in the spec (1 turns the check off)`,
      { label, classes: counts.size, rows: total },
    );
  }
  const small = [...counts].filter(([, count]) => count < minClassRows).sort((a, b) => a[1] - b[1]);
  if (small.length > 0) {
    const shown = small.slice(0, 3).map(([name, count]) => `${quoteDataValue(name)} ${count}`);
    throw labelError(
      `label ${label}: ${small.length} of ${counts.size} classes have fewer than ${minClassRows} labelled rows (${shown.join(', ')}${small.length > 3 ? ', …' : ''}): a class needs rows to train on, to stop early on and to test on`,
      `${quantity}merge or drop the rare classes, or lower guards.minClassRows in the spec (0 turns the check off)`,
      { label, classes: small.length, minClassRows },
    );
  }
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
 * The features without the columns that hold personal data (each named in a warning and listed as
 * excluded), unless the spec hashes them; a label holding personal data is refused: the model would
 * learn to output it.
 */
function withoutPersonalColumns(tables: Table[], features: string[], spec: ResolvedTrainSpec, warnings: string[], columns: ColumnUse[]): string[] {
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
    columns.push({ column: name, use: 'excluded', type: 'personal', reason: `it holds personal data (${describePersonalColumn(counts)}); hash it to use it` });
    return false;
  });
  if (kept.length === 0) throw trainDataError('no feature columns left: every one holds personal data', 'add other feature columns, or hash one with preprocessing.columns.<name>.hashBuckets');
  return kept;
}

function fitLabelScaling(values: number[]): { mean: number; std: number } {
  const { mean, std } = meanAndStd(values);
  return { mean, std: std === 0 ? 1 : std };
}

/** How a fitted feature fills a missing value, in words (no category value is quoted: it may be personal). */
function fillOf(feature: FeatureSpec): string {
  if (feature.kind === 'numeric') {
    if (feature.impute === undefined) return 'rows missing it are left out';
    return `filled with ${Math.round(feature.impute * 10000) / 10000}${feature.missingIndicator ? ', with a was-missing feature' : ''}`;
  }
  if (feature.hashBuckets !== undefined || feature.impute === undefined) return 'read as unknown';
  return feature.impute === '(missing)' ? 'read as the category (missing)' : 'filled with the most frequent value';
}

/** Prepares the data for training (see the file comment). Data that cannot train the spec is MLSHIP_E_TRAIN_DATA or MLSHIP_E_TRAIN_LABEL. */
export function prepareData(options: PrepareDataOptions): PreparedData {
  const { table, spec, validationTable, testTable, fixed } = options;
  const plan = splitPlanOf(spec);
  if (plan.validationData !== null && !validationTable) throw new Error('prepareData: the spec names validation data; pass it as validationTable');
  if (plan.testData !== null && !testTable) throw new Error('prepareData: the spec names test data; pass it as testTable');
  const warnings: string[] = [];
  const columns: ColumnUse[] = [];
  const classification = spec.task === 'classification';
  const separate = [...(validationTable ? [{ table: validationTable, where: 'validation data', source: 'validation-data' as const }] : []), ...(testTable ? [{ table: testTable, where: 'test data', source: 'test-data' as const }] : [])];

  // The feature columns, by name (a stored model's own, or the spec's and the data's).
  let kinds: FeatureKind[] | null = null;
  let fieldNames: string[];
  if (fixed) {
    fieldNames = [...new Set((fixed.preprocessing.features ?? []).map((feature) => (feature.kind === 'numeric' && feature.derive ? feature.derive.from : feature.name)))];
    if (fixed.preprocessing.image) fieldNames = settleFeatures(table, spec);
  } else {
    const candidates = withoutPersonalColumns([table, ...separate.map((part) => part.table)], settleFeatures(table, spec), spec, warnings, columns);
    const planned = planColumns({ table, candidates, listed: spec.features !== null, pre: spec.preprocessing, ...(options.schema ? { schema: options.schema } : {}) });
    kinds = planned.kinds;
    columns.push(...planned.columns);
    fieldNames = [...new Set(kinds.map((kind) => (kind.kind === 'numeric' && kind.derive ? kind.derive.from : kind.name)))];
    if (kinds.length === 0) throw trainDataError('no feature columns left: every candidate was left out', 'see the columns and their reasons; list the features in the spec to use a column anyway', { columns });
  }
  const labelIndex = columnIndex(table, spec.label, 'label', 'data');
  for (const part of separate) {
    columnIndex(part.table, spec.label, 'label', part.where);
    for (const name of fieldNames) columnIndex(part.table, name, 'feature', part.where);
  }

  // Labels, and the guards on them (over the data's labelled rows).
  const labelTables = [{ table, index: labelIndex }, ...separate.map((part) => ({ table: part.table, index: part.table.columns.indexOf(spec.label) }))];
  const labelType = labelTypeOf(labelTables, spec, options);
  const declaredBoolean = !!options.schema && Object.hasOwn(options.schema, spec.label) && options.schema[spec.label]!.type === 'boolean';
  const labels = readLabels(table, labelIndex, spec, labelType, declaredBoolean, 'data');
  const partLabels = separate.map((part) => readLabels(part.table, part.table.columns.indexOf(spec.label), spec, labelType, declaredBoolean, part.where));
  const missingLabel = table.rows.length - labels.size + separate.reduce((sum, part, i) => sum + part.table.rows.length - partLabels[i]!.size, 0);
  if (missingLabel > 0) warnings.push(`${missingLabel} rows without a label were left out`);
  if (classification && !fixed && spec.guards && !options.parts) checkClassGuards(labels, spec, labelType);

  // The three parts: rows of the data (a seeded, stratified split), or of separate tables.
  const labelled = [...labels.keys()];
  let rows: { train: number[]; validation: number[]; test: number[] };
  if (options.parts) {
    const has = (row: number) => labels.has(row);
    rows = { train: options.parts.train.filter(has), validation: options.parts.validation.filter(has), test: options.parts.test.filter(has) };
  } else {
    let strata: Int32Array | undefined;
    if (plan.stratify && classification) {
      const names = distinctSorted(labelled.map((row) => labels.get(row)!));
      const position = new Map(names.map((name, c) => [name, c]));
      strata = Int32Array.from(labelled, (row) => position.get(String(labels.get(row)!))!);
    }
    const split = splitParts(labelled.length, { validation: plan.validation, test: plan.test, seed: plan.seed, ...(strata ? { classes: strata } : {}) });
    rows = { train: split.train.map((i) => labelled[i]!), validation: split.validation.map((i) => labelled[i]!), test: split.test.map((i) => labelled[i]!) };
  }
  const partOf = (source: PartSource) => {
    const index = separate.findIndex((part) => part.source === source);
    return index >= 0 ? { table: separate[index]!.table, labels: partLabels[index]!, rows: [...partLabels[index]!.keys()] } : null;
  };
  const validationPart = partOf('validation-data') ?? { table, labels, rows: rows.validation };
  const testPart = partOf('test-data') ?? { table, labels, rows: rows.test };
  const validationSource: PartSource = validationPart.table === table ? 'data' : 'validation-data';
  const testSource: PartSource = testPart.table === table ? 'data' : 'test-data';

  // Preprocessing fitted on the training rows; rows a feature without a fill cannot encode are left out, and the fit is redone without them.
  const fit = (trainRows: number[]): PreprocessingSpec =>
    fixed ? fixed.preprocessing : fitPreprocessing(table, kinds!, trainRows, spec.preprocessing.image);
  let trainRows = rows.train;
  let preprocessing = fit(trainRows);
  let features = preprocessing.features ? preprocessing.features.map((feature) => feature.name) : fieldNames;
  let raw = rawColumns(preprocessing, features);
  const complete = (source: Table, partRows: number[]): number[] => {
    const values = rawInputs(source, partRows, raw);
    return partRows.filter((_, r) => unfillable(raw, values, r * raw.length) === undefined);
  };
  const trainComplete = complete(table, trainRows);
  let missingFeature = trainRows.length - trainComplete.length;
  if (missingFeature > 0 && !fixed) {
    trainRows = trainComplete;
    preprocessing = fit(trainRows);
    features = preprocessing.features ? preprocessing.features.map((feature) => feature.name) : fieldNames;
    raw = rawColumns(preprocessing, features);
  } else {
    trainRows = trainComplete;
  }
  if (trainRows.length === 0) throw trainDataError('no training rows are left', 'check the label and feature columns for missing values');

  // Classes come from the training rows; held-out rows of other classes cannot be scored.
  const classes: string[] | null = fixed ? fixed.classes : classification ? distinctSorted(trainRows.map((row) => labels.get(row)!)) : null;
  if (classes && classes.length < 2) {
    throw trainDataError(`the training rows hold ${classes.length} class (${classes.map((name) => quoteDataValue(name)).join(', ')}): classification needs two or more`, 'check the label column, or set task: regression');
  }
  const known = new Set<string>(classes ?? []);
  let unseenClass = 0;
  const heldOutRows = (part: { table: Table; labels: Map<number, number | string>; rows: number[] }, name: string): number[] => {
    const kept = complete(part.table, part.rows);
    missingFeature += part.rows.length - kept.length;
    if (!classes) return kept;
    const scored = kept.filter((row) => known.has(String(part.labels.get(row)!)));
    if (scored.length < kept.length) warnings.push(`${kept.length - scored.length} ${name} rows of classes absent from the training rows were left out`);
    unseenClass += kept.length - scored.length;
    return scored;
  };
  const validationRows = heldOutRows(validationPart, 'validation');
  const testRows = heldOutRows(testPart, 'test');
  if (missingFeature > 0) warnings.push(`${missingFeature} rows with a missing or non-numeric value in a numeric feature without a fill were left out`);

  const labelScaling = !classification && spec.preprocessing.label === 'standardize' ? fitLabelScaling(trainRows.map((row) => labels.get(row) as number)) : null;
  const encodePart = (source: Table, partRows: number[], values: ReadonlyMap<number, number | string>, from: PartSource): EncodedPart => {
    const rawRows = rawInputs(source, partRows, raw);
    const x = encodeInputs(preprocessing, rawRows, partRows.length);
    if (classes) {
      const names = classes;
      const position = new Map(names.map((name, c) => [name, c]));
      const indices = Int32Array.from(partRows, (row) => position.get(String(values.get(row)!))!);
      const y = new Float32Array(partRows.length * names.length);
      indices.forEach((c, i) => (y[i * names.length + c] = 1));
      return { rows: partRows, source: from, count: partRows.length, raw: rawRows, x, y, labels: indices };
    }
    const targets = Float32Array.from(partRows, (row) => values.get(row) as number);
    const y = labelScaling ? targets.map((value) => (value - labelScaling.mean) / labelScaling.std) : targets.slice();
    return { rows: partRows, source: from, count: partRows.length, raw: rawRows, x, y, labels: targets };
  };

  const validation = validationRows.length > 0 ? encodePart(validationPart.table, validationRows, validationPart.labels, validationSource) : null;
  const test = testRows.length > 0 ? encodePart(testPart.table, testRows, testPart.labels, testSource) : null;
  if (!test && !validation) warnings.push('no validation or test rows: nothing is held out to evaluate on');
  else if (!test && !options.parts) warnings.push('no test rows: the metrics come from the validation rows early stopping chose the model on, so they are optimistic');

  // Each column's missing values (in the rows used), and how they were filled.
  if (preprocessing.features) {
    for (const entry of columns) {
      if (entry.use === 'excluded') continue;
      const fitted = preprocessing.features.filter((feature) => (feature.kind === 'numeric' && feature.derive ? feature.derive.from : feature.name) === entry.column);
      const index = table.columns.indexOf(entry.column);
      const missing = labelled.reduce((sum, row) => sum + (textOfCell(table.rows[row]![index]) === undefined ? 1 : 0), 0);
      if (missing > 0 && fitted[0]) entry.reason += `; ${missing} missing values: ${fillOf(fitted[0])}`;
    }
  }
  return {
    features,
    rawColumns: raw,
    preprocessing,
    inputShape: modelInputShape(preprocessing),
    classes,
    labelType,
    labelScaling,
    train: encodePart(table, trainRows, labels, 'data'),
    validation,
    test,
    heldOut: test ? { part: 'test', data: test } : validation ? { part: 'validation', data: validation } : null,
    columns,
    labelled: labelled.length,
    dropped: { missingLabel, missingFeature, unseenClass },
    warnings,
  };
}
