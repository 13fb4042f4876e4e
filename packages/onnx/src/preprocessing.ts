/**
 * The preprocessing a trained model expects, as a plain description, and its reference
 * semantics in JavaScript. The exporter folds the same steps into the ONNX graph
 * (preprocessing-graph.ts), so the exported model takes raw values.
 */
import { ErrorCode, ExitCode, MlshipError } from '@mlship/core';
import { encodingProblems } from './feature-row.js';

export { booleanText, categoryIndex, DATETIME_PARTS, datetimePart, encodingProblems, featureField, featureInput, featureRow, fieldValue, isMissing, parseDatetime, valueKind } from './feature-row.js';
export type { FeatureRowOptions, RowFeature, ValueKind } from './feature-row.js';

/** Standardised: (x − mean) / std, in float32. A `std` of 0 counts as 1. */
export interface NumericFeature {
  name: string;
  kind: 'numeric';
  mean: number;
  std: number;
  /**
   * The value a missing input takes. The raw input of a missing value is NaN; the graph replaces NaN
   * by `impute` (Where(IsNaN(x), impute, x)) before standardising. Absent: a missing value is refused.
   */
  impute?: number;
  /**
   * Also feed the model a 0/1 "was missing" column (IsNaN of the raw input, cast to float), right
   * after the feature's own column. Counts in {@link encodedWidth}; needs `impute`.
   */
  missingIndicator?: boolean;
  /**
   * Computed from another field of the record instead of read by its own name: a part of the
   * datetime (ISO 8601 text, or epoch milliseconds as a number) in `record[derive.from]`, in UTC.
   * A missing or unparsable datetime gives NaN (then `impute` applies).
   */
  derive?: { from: string; part: DatetimePart };
}

/**
 * Parts of a datetime a numeric feature can be (UTC): `days` since 1970-01-01 (fractional),
 * `dayOfWeek` 0–6 (Monday 0), `month` 1–12, `hour` 0–23, `year`, `dayOfYear` 1–366.
 */
export type DatetimePart = 'days' | 'dayOfWeek' | 'month' | 'hour' | 'year' | 'dayOfYear';

/** The category a missing value takes when training adds one for it (`impute: MISSING_CATEGORY`). */
export const MISSING_CATEGORY = '(missing)';

/**
 * A category, given to the model as its index in `categories` (a float). `onehot` turns it into
 * `categories.length` columns (all zero for an index outside the list, e.g. -1 for an unknown
 * value); `index` passes the index on as one column. With `hashBuckets`, the index is the value's
 * bucket (core's `hashToBucket`) and `categories` are the bucket numbers "0" … "hashBuckets − 1":
 * no value of the column is stored (how a column holding personal data can be a feature).
 */
export interface CategoryFeature {
  name: string;
  kind: 'category';
  categories: string[];
  encoding: 'onehot' | 'index';
  hashBuckets?: number;
  /**
   * The category a missing value (null, absent) takes: one of `categories` (the training part's most
   * frequent value, or {@link MISSING_CATEGORY} added as a category). Absent: missing → -1 (unknown).
   */
  impute?: string;
  /**
   * How values are read before the lookup. `boolean`: true/false in any case, 1/0, yes/no and JSON
   * true/false read as "true"/"false" (the categories are then exactly ["false", "true"]).
   * Absent: String(value).
   */
  values?: 'boolean';
  /**
   * A value not in `categories` at serving time: `unknown` (encoded -1, counted) or `error` (serve
   * answers 400 naming the feature and the kind of value, never the value). Absent: `unknown`.
   */
  unknown?: 'unknown' | 'error';
}

/** The categories of a hashed column: its bucket numbers as text. */
export function bucketCategories(buckets: number): string[] {
  return Array.from({ length: buckets }, (_, bucket) => String(bucket));
}

export type FeatureSpec = NumericFeature | CategoryFeature;

/** Pixels in [N, height, width, channels]; standardised by `mean` and `std` (one number, or one per channel). */
export interface ImageSpec {
  height: number;
  width: number;
  channels: number;
  mean?: number | number[];
  std?: number | number[];
}

/** Either tabular `features` or an `image`, not both. */
export interface PreprocessingSpec {
  features?: FeatureSpec[];
  image?: ImageSpec;
}

/** The number of columns `feature` becomes after encoding: its own, then its missing indicator. */
export function encodedWidth(feature: FeatureSpec): number {
  if (feature.kind === 'category') return feature.encoding === 'onehot' ? feature.categories.length : 1;
  return feature.missingIndicator ? 2 : 1;
}

/** Throws `MLSHIP_E_CONFIG` for a description the exporter cannot fold. */
export function checkPreprocessing(spec: PreprocessingSpec): void {
  const problems: string[] = [];
  if (spec.features && spec.image) problems.push('give either features or image, not both');
  if (spec.features) {
    if (spec.features.length === 0) problems.push('features is empty');
    const seen = new Set<string>();
    for (const feature of spec.features) {
      if (seen.has(feature.name)) problems.push(`feature ${feature.name} appears twice`);
      seen.add(feature.name);
      if (feature.kind === 'numeric' && !(Number.isFinite(feature.mean) && Number.isFinite(feature.std) && feature.std >= 0)) {
        problems.push(`feature ${feature.name}: mean and std must be finite numbers, std ≥ 0`);
      } else if (feature.kind === 'category' && (feature.categories.length === 0 || !['onehot', 'index'].includes(feature.encoding))) {
        problems.push(`feature ${feature.name}: needs categories and an encoding of onehot or index`);
      } else if (feature.kind === 'category' && feature.hashBuckets !== undefined && !(Number.isInteger(feature.hashBuckets) && feature.hashBuckets === feature.categories.length)) {
        problems.push(`feature ${feature.name}: hashBuckets must be an integer equal to the number of categories (the bucket numbers)`);
      } else if (feature.kind !== 'numeric' && feature.kind !== 'category') {
        problems.push(`feature ${(feature as { name: string }).name}: unknown kind ${JSON.stringify((feature as { kind: unknown }).kind)}`);
      } else {
        problems.push(...encodingProblems(feature));
      }
    }
  }
  if (spec.image) {
    const { height, width, channels } = spec.image;
    if (![height, width, channels].every((n) => Number.isInteger(n) && n > 0)) problems.push('image height, width and channels must be positive integers');
    for (const key of ['mean', 'std'] as const) {
      const value = spec.image[key];
      if (Array.isArray(value) && value.length !== channels) problems.push(`image ${key} needs one value per channel (${channels})`);
    }
  }
  if (problems.length > 0) {
    throw new MlshipError(ErrorCode.config, `invalid preprocessing: ${problems.join('; ')}`, {
      hint: 'fix the preprocessing description passed to the ONNX export',
      exitCode: ExitCode.usage,
      details: { problems },
    });
  }
}

const f32 = Math.fround;

/**
 * The value the graph gives a NaN raw input of `feature` (its `Where(IsNaN(x), fill, x)`): `impute`
 * for a numeric feature, the index of `impute` for a category, NaN (no change) without `impute`.
 */
export function missingFill(feature: FeatureSpec): number {
  if (feature.impute === undefined) return NaN;
  return feature.kind === 'numeric' ? feature.impute : feature.categories.indexOf(feature.impute);
}

/**
 * The reference encoding of raw rows ([N, features.length], row-major) into what the tfjs model
 * takes: a NaN input is filled by {@link missingFill}, then numeric columns are standardised and
 * categories encoded; a missing indicator (1 for a NaN input) follows its feature's column.
 */
export function encodeFeatures(features: FeatureSpec[], raw: ArrayLike<number>, rows: number): Float32Array {
  const width = features.reduce((sum, feature) => sum + encodedWidth(feature), 0);
  const fills = features.map((feature) => f32(missingFill(feature)));
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let column = r * width;
    features.forEach((feature, j) => {
      const input = f32(raw[r * features.length + j] ?? NaN);
      const missing = Number.isNaN(input);
      const x = missing ? fills[j]! : input;
      if (feature.kind === 'numeric') {
        out[column++] = f32(f32(x - f32(feature.mean)) / f32(feature.std === 0 ? 1 : feature.std));
        if (feature.missingIndicator) out[column++] = missing ? 1 : 0;
      } else if (feature.encoding === 'index') {
        out[column++] = x;
      } else {
        for (let k = 0; k < feature.categories.length; k++) out[column++] = x === k ? 1 : 0;
      }
    });
  }
  return out;
}

/** Per-channel mean and std of `image` as arrays of `channels` numbers. */
export function imageStatistics(image: ImageSpec): { mean: number[]; std: number[] } {
  const expand = (value: number | number[] | undefined, fallback: number) =>
    Array.isArray(value) ? value : new Array<number>(image.channels).fill(value ?? fallback);
  return { mean: expand(image.mean, 0), std: expand(image.std, 1).map((s) => (s === 0 ? 1 : s)) };
}

/** The reference standardisation of pixels laid out [N, H, W, C]. */
export function encodeImage(image: ImageSpec, raw: ArrayLike<number>): Float32Array {
  const { mean, std } = imageStatistics(image);
  return Float32Array.from({ length: raw.length }, (_, i) => {
    const c = i % image.channels;
    return f32(f32(f32(raw[i] ?? NaN) - f32(mean[c] ?? 0)) / f32(std[c] ?? 1));
  });
}
