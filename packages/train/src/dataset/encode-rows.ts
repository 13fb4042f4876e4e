/**
 * Rows of a table into model inputs, through @mlship/onnx's reference semantics: `featureRow` gives
 * the raw row the exported ONNX model takes, `encodeFeatures` / `encodeImage` what the tfjs model takes.
 */
import { encodedWidth, encodeFeatures, encodeImage, featureRow, type FeatureSpec, type PreprocessingSpec } from '@mlship/onnx';
import type { Table } from './load-table.js';

/** The columns that make up a raw input row, as features (image pixels as plain numeric ones). */
export function rawColumns(preprocessing: PreprocessingSpec, featureColumns: readonly string[]): FeatureSpec[] {
  return preprocessing.features ?? featureColumns.map((name) => ({ name, kind: 'numeric', mean: 0, std: 1 }));
}

/** Raw inputs of `rows` ([rows.length, columns.length], row-major): numbers as they are, categories as their index (-1 unknown). */
export function rawInputs(table: Table, rows: readonly number[], columns: readonly FeatureSpec[]): Float32Array {
  const positions = columns.map((column) => table.columns.indexOf(column.name));
  const record: Record<string, unknown> = {};
  const out = new Float32Array(rows.length * columns.length);
  rows.forEach((row, r) => {
    const cells = table.rows[row]!;
    columns.forEach((column, j) => (record[column.name] = cells[positions[j]!] ?? null));
    out.set(featureRow(columns as FeatureSpec[], record), r * columns.length);
  });
  return out;
}

/** What the tfjs model takes for raw inputs of `count` rows: standardised, one-hot encoded, or standardised pixels. */
export function encodeInputs(preprocessing: PreprocessingSpec, raw: Float32Array, count: number): Float32Array {
  if (preprocessing.image) return encodeImage(preprocessing.image, raw);
  return encodeFeatures(preprocessing.features ?? [], raw, count);
}

/** The tfjs model's input shape without the batch: [height, width, channels] for an image, [encoded width] for features. */
export function modelInputShape(preprocessing: PreprocessingSpec): number[] {
  if (preprocessing.image) return [preprocessing.image.height, preprocessing.image.width, preprocessing.image.channels];
  return [(preprocessing.features ?? []).reduce((sum, feature) => sum + encodedWidth(feature), 0)];
}
