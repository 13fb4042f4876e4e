/**
 * The preprocessing a trained model expects, as a plain description, and its reference
 * semantics in JavaScript. The exporter folds the same steps into the ONNX graph
 * (preprocessing-graph.ts), so the exported model takes raw values.
 */
import { ErrorCode, ExitCode, hashToBucket, MlshipError } from '@mlship/core';

/** Standardised: (x − mean) / std, in float32. A `std` of 0 counts as 1. */
export interface NumericFeature {
  name: string;
  kind: 'numeric';
  mean: number;
  std: number;
}

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
}

/** The raw input of a category value: its index, its bucket when hashed, -1 when missing or unknown. */
export function categoryIndex(feature: CategoryFeature, value: unknown): number {
  if (feature.hashBuckets !== undefined) return value === null || value === undefined ? -1 : hashToBucket(String(value), feature.hashBuckets);
  return feature.categories.indexOf(String(value));
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

/** The number of columns `feature` becomes after encoding. */
export function encodedWidth(feature: FeatureSpec): number {
  return feature.kind === 'category' && feature.encoding === 'onehot' ? feature.categories.length : 1;
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

/**
 * A raw row for the exported model's `features` input from named values: numbers as they are,
 * categories as their index (-1 when unknown or missing).
 */
export function featureRow(features: FeatureSpec[], record: Record<string, unknown>): number[] {
  return features.map((feature) => {
    const value = record[feature.name];
    if (feature.kind === 'category') return categoryIndex(feature, value);
    return typeof value === 'number' ? value : Number(value);
  });
}

const f32 = Math.fround;

/** The reference encoding of raw rows ([N, features.length], row-major) into what the tfjs model takes. */
export function encodeFeatures(features: FeatureSpec[], raw: ArrayLike<number>, rows: number): Float32Array {
  const width = features.reduce((sum, feature) => sum + encodedWidth(feature), 0);
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let column = r * width;
    features.forEach((feature, j) => {
      const x = f32(raw[r * features.length + j] ?? NaN);
      if (feature.kind === 'numeric') {
        out[column++] = f32(f32(x - f32(feature.mean)) / f32(feature.std === 0 ? 1 : feature.std));
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
