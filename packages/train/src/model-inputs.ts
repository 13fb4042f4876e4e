/**
 * Feeding a stored model from a table: its feature columns in input order, raw input rows through
 * @mlship/onnx's featureRow, the input's dims, and its outputs read as classification input. Shared by
 * `model evaluate` and `compress`.
 */
import { quoteDataValue, type MlshipError } from '@mlship/core';
import { featureField, featureRow, type FeatureSpec, type OnnxValueInfo, type Signature } from '@mlship/onnx';
import { fieldPositions, rowRecord, unfillable } from './dataset/encode-rows.js';
import type { Table } from './dataset/load-table.js';
import { ModelErrorCode, trainDataError, modelFileError } from './errors.js';
import type { EvaluationInput } from './evaluate/evaluation-types.js';
import { mostProbableClasses } from './evaluate/probability-matrix.js';

export interface ModelFacts {
  label?: unknown;
  features?: unknown;
}

export function inputError(message: string, hint: string): MlshipError {
  return modelFileError(ModelErrorCode.input, message, hint);
}

/** The columns that feed the model, in input order, with how to read each. */
export function featureColumns(signature: Signature, facts: ModelFacts, table: Table, label: string, chosen: string[] | undefined): FeatureSpec[] {
  if (signature.features) {
    if (chosen) throw inputError('--features is for models whose signature does not name their features', `this model takes: ${signature.features.map((f) => f.name).join(', ')}`);
    return signature.features;
  }
  const recorded = Array.isArray(facts.features) && facts.features.every((name) => typeof name === 'string') ? (facts.features as string[]) : undefined;
  const names = chosen ?? recorded ?? table.columns.filter((column) => column !== label);
  return names.map((name) => ({ name, kind: 'numeric', mean: 0, std: 1 }));
}

/** The input's dims for `count` rows of `width` values: the batch first, the rest fixed (or the width, for [batch, ?]). */
export function inputDims(input: OnnxValueInfo, count: number, width: number): number[] {
  const shape = input.shape;
  if (!shape || shape.length < 2) throw inputError(`input ${input.name} has shape ${JSON.stringify(shape ?? 'unknown')}; mlship feeds [batch, …] inputs`, 'import a model with a batch dimension first');
  const rest = shape.slice(1);
  if (rest.length === 1 && typeof rest[0] !== 'number') return [count, width];
  if (!rest.every((dim): dim is number => typeof dim === 'number')) {
    throw inputError(`input ${input.name} has symbolic dimensions besides the batch: ${JSON.stringify(shape)}`, 'export the model with fixed sizes except the batch');
  }
  const size = rest.reduce((product, dim) => product * dim, 1);
  if (size !== width) {
    throw inputError(`input ${input.name} takes ${size} values per row (${JSON.stringify(shape)}), the data gives ${width} feature columns`, 'choose the columns in input order with --features a,b,c');
  }
  return [count, ...rest];
}

/**
 * Raw input rows through @mlship/onnx's featureRow, read as training read them (missing values as
 * NaN for the graph to fill, datetime parts, booleans and categories as their index). A value a
 * feature cannot fill (a missing or non-numeric number of a feature without `impute`, as every model
 * before imputation) is refused, naming the line.
 */
export function inputRows(table: Table, features: FeatureSpec[]): Float32Array {
  const positions = fieldPositions(table, features);
  features.forEach((feature, j) => {
    if (positions[j]! < 0) {
      throw trainDataError(`the data has no column ${JSON.stringify(featureField(feature))}, which the model takes`, `its columns: ${table.columns.join(', ')}`);
    }
  });
  const out = new Float32Array(table.rows.length * features.length);
  table.rows.forEach((cells, r) => {
    const row = featureRow(features, rowRecord(table, r, features, positions));
    out.set(row, r * features.length);
    const missing = unfillable(features, row, 0);
    if (missing) {
      const cell = cells[positions[features.indexOf(missing)]!];
      throw trainDataError(`line ${table.lines[r]}: ${missing.name} is missing or not a number (${quoteDataValue(cell)}), and the model fills no missing value there`, 'drop or fill rows with missing feature values before evaluating');
    }
  });
  return out;
}

/** Probabilities when every score lies in [0, 1]; otherwise only the most probable class (scores such as logits). */
export function classificationInput(classes: string[], actual: number[], outputs: Float32Array, count: number, notes: string[]): EvaluationInput {
  const width = outputs.length / count;
  if (width !== classes.length && !(width === 1 && classes.length === 2)) {
    throw inputError(`the output has ${width} values per row for ${classes.length} labels`, 'store the model with one label name per output column (--label-names)');
  }
  const probabilities = outputs.every((value) => value >= 0 && value <= 1);
  if (probabilities) return { task: 'classification', classes, actual, probabilities: outputs };
  notes.push('outputs outside [0, 1] were read as scores: the predicted class is the highest, and log loss and ROC AUC are not computed');
  const predicted = width === 1 ? Array.from(outputs, (score) => (score > 0 ? 1 : 0)) : mostProbableClasses(outputs, count, width);
  return { task: 'classification', classes, actual, predicted };
}
