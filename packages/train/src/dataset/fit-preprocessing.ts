/**
 * Fits the preprocessing on the training rows only, as the @mlship/onnx `PreprocessingSpec` that the
 * exporter folds into the ONNX graph: what training applies is exactly what serving applies.
 */
import { bucketCategories, checkPreprocessing, type FeatureSpec, type ImageSpec, type PreprocessingSpec } from '@mlship/onnx';
import { distinctSorted } from '../evaluate/label-order.js';
import { trainDataError } from '../errors.js';
import type { ResolvedTrainSpec } from '../spec/train-spec.js';
import { numberOfCell, textOfCell } from './cells.js';
import type { FeatureKind } from './feature-kinds.js';
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

function fitFeature(table: Table, kind: FeatureKind, rows: readonly number[]): FeatureSpec {
  const index = table.columns.indexOf(kind.name);
  if (kind.kind === 'numeric') {
    if (kind.scaling === 'none') return { name: kind.name, kind: 'numeric', mean: 0, std: 1 };
    const { mean, std } = meanAndStd(numbersOf(table, index, rows));
    return { name: kind.name, kind: 'numeric', mean, std };
  }
  if (kind.hashBuckets !== undefined) return { name: kind.name, kind: 'category', categories: bucketCategories(kind.hashBuckets), encoding: kind.encoding, hashBuckets: kind.hashBuckets };
  let categories = kind.categories;
  if (!categories) {
    const texts: string[] = [];
    for (const row of rows) {
      const text = textOfCell(table.rows[row]![index]);
      if (text !== undefined) texts.push(text);
    }
    categories = distinctSorted(texts);
  }
  if (kind.encoding === 'onehot' && categories.length > MAX_ONEHOT_CATEGORIES) {
    throw trainDataError(
      `feature ${JSON.stringify(kind.name)} has ${categories.length} categories, more than ${MAX_ONEHOT_CATEGORIES} for one-hot encoding`,
      'leave the column out, or set preprocessing.columns.<name>.encoding: index',
      { column: kind.name, categories: categories.length },
    );
  }
  return { name: kind.name, kind: 'category', categories, encoding: kind.encoding };
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
 * The preprocessing fitted on `rows` (the training rows, with every numeric feature present): numeric
 * columns get their mean and std (or 0 and 1 with scaling `none`), categories their sorted distinct
 * values (or the spec's list), an image its per-channel mean and std.
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
