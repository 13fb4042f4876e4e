/**
 * Fits the preprocessing on the training rows only, as the @mlship/onnx `PreprocessingSpec` that the
 * exporter folds into the ONNX graph: what training applies is exactly what serving applies.
 */
import {
  booleanText,
  bucketCategories,
  checkPreprocessing,
  featureField,
  featureInput,
  MISSING_CATEGORY,
  type FeatureSpec,
  type ImageSpec,
  type NumericFeature,
  type PreprocessingSpec,
} from '@mlship/onnx';
import { distinctSorted } from '../evaluate/label-order.js';
import { trainDataError } from '../errors.js';
import type { ResolvedTrainSpec } from '../spec/train-spec.js';
import { numberOfCell, textOfCell } from './cells.js';
import { recordValue } from './encode-rows.js';
import type { FeatureKind } from './plan-columns.js';
import type { Table } from './load-table.js';

/** More distinct training values than this in a one-hot column is refused (too wide a model input). */
export const MAX_ONEHOT_CATEGORIES = 1000;

/** Mean and population standard deviation (what scikit-learn's StandardScaler uses), by Welford's method. */
export function meanAndStd(values: Iterable<number>): { mean: number; std: number; count: number } {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (const value of values) {
    count += 1;
    const delta = value - mean;
    mean += delta / count;
    m2 += delta * (value - mean);
  }
  return { mean, std: count > 0 ? Math.sqrt(m2 / count) : 0, count };
}

function* numbersOf(table: Table, index: number, rows: readonly number[]): Generator<number> {
  for (const row of rows) {
    const value = numberOfCell(table.rows[row]![index]);
    if (value !== undefined) yield value;
  }
}

/** The median of the numbers (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A numeric feature's training values, missing ones as NaN: the number in its column, or the datetime part it derives. */
function numericInputs(table: Table, kind: Extract<FeatureKind, { kind: 'numeric' }>, rows: readonly number[]): number[] {
  const spec: NumericFeature = { name: kind.name, kind: 'numeric', mean: 0, std: 1, ...(kind.derive ? { derive: kind.derive } : {}) };
  const index = table.columns.indexOf(featureField(spec));
  return rows.map((row) => featureInput(spec, recordValue(spec, table.rows[row]![index])));
}

function fitNumeric(table: Table, kind: Extract<FeatureKind, { kind: 'numeric' }>, rows: readonly number[]): NumericFeature {
  const present = numericInputs(table, kind, rows).filter((value) => !Number.isNaN(value));
  const { mean, std } = kind.scaling === 'none' ? { mean: 0, std: 1 } : meanAndStd(present);
  let impute: number | undefined;
  if (kind.impute === 'median') impute = median(present);
  else if (kind.impute === 'mean') impute = meanAndStd(present).mean;
  else if (kind.impute === 'zero') impute = 0;
  if (impute !== undefined && !Number.isFinite(impute)) impute = 0;
  return {
    name: kind.name,
    kind: 'numeric',
    mean,
    std,
    ...(impute !== undefined ? { impute } : {}),
    ...(impute !== undefined && kind.indicator ? { missingIndicator: true } : {}),
    ...(kind.derive ? { derive: kind.derive } : {}),
  };
}

/** The most frequent of `texts` (the first of `categories` on a tie), or undefined for none. */
function mostFrequent(texts: readonly string[], categories: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const text of texts) counts.set(text, (counts.get(text) ?? 0) + 1);
  let best: string | undefined;
  for (const category of categories) if ((counts.get(category) ?? 0) > (best === undefined ? 0 : counts.get(best)!)) best = category;
  return best;
}

function fitFeature(table: Table, kind: FeatureKind, rows: readonly number[]): FeatureSpec {
  if (kind.kind === 'numeric') return fitNumeric(table, kind, rows);
  const index = table.columns.indexOf(kind.name);
  const unknown = { unknown: kind.unknown };
  if (kind.hashBuckets !== undefined) {
    return { name: kind.name, kind: 'category', categories: bucketCategories(kind.hashBuckets), encoding: kind.encoding, hashBuckets: kind.hashBuckets, ...unknown };
  }
  const texts: string[] = [];
  let missing = 0;
  for (const row of rows) {
    const cell = table.rows[row]![index];
    const text = textOfCell(cell);
    if (text === undefined) missing += 1;
    else texts.push(kind.boolean ? (booleanText(cell) ?? text) : text);
  }
  let categories = kind.boolean ? ['false', 'true'] : (kind.categories ?? distinctSorted(texts));
  let impute: string | undefined;
  const strategy = kind.impute === 'auto' ? (missing > 0 && !kind.boolean ? 'missing' : 'mostFrequent') : kind.impute;
  if (strategy === 'mostFrequent' || (strategy === 'missing' && kind.boolean)) impute = mostFrequent(texts, categories);
  else if (strategy === 'missing') {
    if (!categories.includes(MISSING_CATEGORY)) categories = [...categories, MISSING_CATEGORY];
    impute = MISSING_CATEGORY;
  }
  if (kind.encoding === 'onehot' && categories.length > MAX_ONEHOT_CATEGORIES) {
    throw trainDataError(
      `feature ${JSON.stringify(kind.name)} has ${categories.length} categories, more than ${MAX_ONEHOT_CATEGORIES} for one-hot encoding`,
      'leave the column out, or set preprocessing.columns.<name>.encoding: index',
      { column: kind.name, categories: categories.length },
    );
  }
  return {
    name: kind.name,
    kind: 'category',
    categories,
    encoding: kind.encoding,
    ...(impute !== undefined ? { impute } : {}),
    ...(kind.boolean ? { values: 'boolean' as const } : {}),
    ...unknown,
  };
}

/** Per-channel mean and std of the training pixels (row-major height × width × channels), or raw pixels. */
function fitImage(table: Table, pixels: readonly string[], image: NonNullable<ResolvedTrainSpec['preprocessing']['image']>, rows: readonly number[]): ImageSpec {
  const { height, width, channels, scaling } = image;
  if (pixels.length !== height * width * channels) {
    throw trainDataError(
      `image ${height}x${width}x${channels} needs ${height * width * channels} pixel columns, the features are ${pixels.length}`,
      'list the pixel columns in features (row-major, channels last), or fix preprocessing.image',
      { features: pixels.length },
    );
  }
  if (scaling === 'none') return { height, width, channels };
  const indices = pixels.map((name) => table.columns.indexOf(name));
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const columns = indices.filter((_, i) => i % channels === c);
    const stats = meanAndStd(
      (function* () {
        for (const index of columns) yield* numbersOf(table, index, rows);
      })(),
    );
    mean.push(stats.mean);
    std.push(stats.std);
  }
  return channels === 1 ? { height, width, channels, mean: mean[0]!, std: std[0]! } : { height, width, channels, mean, std };
}

/**
 * The preprocessing fitted on `rows` (the training rows): numeric columns (and the datetime parts
 * derived ones compute) get the mean and std of their present values (or 0 and 1 with scaling `none`)
 * and the value a missing one takes (median, mean or zero, with a missing indicator when asked);
 * categories their sorted distinct values (or the spec's list; exactly false, true for booleans) and
 * the category a missing one takes (the most frequent, or "(missing)" added); an image its
 * per-channel mean and std.
 */
export function fitPreprocessing(
  table: Table,
  kinds: readonly FeatureKind[],
  rows: readonly number[],
  image: ResolvedTrainSpec['preprocessing']['image'],
): PreprocessingSpec {
  const spec: PreprocessingSpec = image
    ? { image: fitImage(table, kinds.map((kind) => kind.name), image, rows) }
    : { features: kinds.map((kind) => fitFeature(table, kind, rows)) };
  checkPreprocessing(spec);
  return spec;
}
