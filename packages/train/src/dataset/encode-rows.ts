/**
 * Rows of a table into model inputs, through @mlship/onnx's reference semantics: `featureRow` gives
 * the raw row the exported ONNX model takes, `encodeFeatures` / `encodeImage` what the tfjs model takes.
 */
import { encodedWidth, encodeFeatures, encodeImage, featureField, featureRow, isMissing as isMissingInput, type FeatureSpec, type PreprocessingSpec } from '@mlship/onnx';
import type { Cell } from '@mlship/data';
import { numberOfCell, textOfCell } from './cells.js';
import type { Table } from './load-table.js';

/** The columns that make up a raw input row, as features (image pixels as plain numeric ones). */
export function rawColumns(preprocessing: PreprocessingSpec, featureColumns: readonly string[]): FeatureSpec[] {
  return preprocessing.features ?? featureColumns.map((name) => ({ name, kind: 'numeric', mean: 0, std: 1 }));
}

/**
 * The value `featureRow` gets for a cell of the feature's field, the same from every file format: a
 * number (null when missing or not a number) for a numeric feature, the cell for a derived datetime
 * and a category (null when missing: empty, NA, null, …).
 */
export function recordValue(feature: FeatureSpec, cell: Cell | undefined): unknown {
  if (feature.kind === 'numeric' && !feature.derive) return numberOfCell(cell) ?? null;
  return textOfCell(cell) === undefined ? null : cell;
}

/** Where each feature's field is in the table (-1 when it has none). */
export function fieldPositions(table: Table, columns: readonly FeatureSpec[]): number[] {
  return columns.map((column) => table.columns.indexOf(featureField(column)));
}

/** The record `featureRow` reads for one row of the table. */
export function rowRecord(table: Table, row: number, columns: readonly FeatureSpec[], positions: readonly number[]): Record<string, unknown> {
  const cells = table.rows[row]!;
  const record: Record<string, unknown> = {};
  columns.forEach((column, j) => (record[featureField(column)] = recordValue(column, positions[j]! < 0 ? undefined : cells[positions[j]!])));
  return record;
}

/** Raw inputs of `rows` ([rows.length, columns.length], row-major): numbers (NaN when missing), datetime parts, categories as their index. */
export function rawInputs(table: Table, rows: readonly number[], columns: readonly FeatureSpec[]): Float32Array {
  const positions = fieldPositions(table, columns);
  const out = new Float32Array(rows.length * columns.length);
  rows.forEach((row, r) => out.set(featureRow(columns, rowRecord(table, row, columns, positions)), r * columns.length));
  return out;
}

/** True when a raw input the model cannot fill is missing: a NaN of a numeric feature without `impute`. */
export function unfillable(columns: readonly FeatureSpec[], raw: ArrayLike<number>, offset: number): FeatureSpec | undefined {
  return columns.find((column, j) => column.kind === 'numeric' && column.impute === undefined && isMissingInput(raw[offset + j]));
}

/** What the tfjs model takes for raw inputs of `count` rows: imputed, standardised, one-hot encoded, or standardised pixels. */
export function encodeInputs(preprocessing: PreprocessingSpec, raw: Float32Array, count: number): Float32Array {
  if (preprocessing.image) return encodeImage(preprocessing.image, raw);
  return encodeFeatures(preprocessing.features ?? [], raw, count);
}

/** The tfjs model's input shape without the batch: [height, width, channels] for an image, [encoded width] for features. */
export function modelInputShape(preprocessing: PreprocessingSpec): number[] {
  if (preprocessing.image) return [preprocessing.image.height, preprocessing.image.width, preprocessing.image.channels];
  return [(preprocessing.features ?? []).reduce((sum, feature) => sum + encodedWidth(feature), 0)];
}
