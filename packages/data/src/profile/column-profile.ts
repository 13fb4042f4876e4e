/**
 * Mergeable profile of one table column, built by streaming values with bounded memory.
 *
 * State (exact): counts of values, missing, invalid and infinite values, and for numeric columns
 * count, sum, min, max, mean and variance of the finite values. State (sketched, each with its
 * documented bound): a KLL quantile sketch of the finite values (kll-sketch.ts), and value counts
 * that are exact up to 1,000 distinct values and Misra–Gries plus HyperLogLog beyond
 * (value-counts.ts). The finalised form (`ColumnProfile`) is plain JSON holding that state plus
 * derived summaries for display; loading it back gives a profiler that merges and answers quantile,
 * CDF and count queries as the original would.
 *
 * Values: `null`, `undefined` and NaN are missing. ±Infinity are counted in `infiniteCount` and kept
 * out of everything else (JSON cannot hold them). Finite numbers and strings are counted as
 * themselves, so the number 1 and the string "1" are different values; booleans count as the
 * strings "true" and "false". A column declared numeric counts other non-number values as invalid
 * and otherwise ignores them. With kind 'auto' a column is numeric until its first non-null value
 * that is not a number, then categorical: its numbers still count as values, its moments and
 * quantile sketch are dropped.
 */
import { detectPii, type PiiCounts } from '@mlship/core';
import { DEFAULT_KLL_K, KllSketch, binWeightedValues, type KllSketchJSON, type WeightedValues } from './kll-sketch.js';
import { DEFAULT_HLL_PRECISION, MAX_HLL_PRECISION, MIN_HLL_PRECISION } from './hyperloglog.js';
import { DEFAULT_MISRA_GRIES_CAPACITY, type ValueKey } from './misra-gries.js';
import { Moments, type MomentsJSON } from './moments.js';
import { sortNumbers } from './sort-numbers.js';
import { incompatibleProfiles, invalidOption } from './profile-errors.js';
import { DEFAULT_EXACT_LIMIT, ValueCounts, type ValueCountsJSON } from './value-counts.js';

export type ColumnValue = string | number | boolean | null;
export type ColumnKind = 'numeric' | 'categorical';
export type ColumnKindOption = ColumnKind | 'auto';

export interface ColumnProfileOptions {
  /** Declared kind, or 'auto' (default): numeric while every non-null value is a number. */
  kind?: ColumnKindOption;
  /** KLL accuracy parameter; rank error ≈ 1.65% at 200 (default), about 3k numbers kept. */
  quantileK?: number;
  /** Distinct values counted exactly before switching to sketches (default 1,000). */
  exactLimit?: number;
  /** Misra–Gries counters once sketched (default 200): count error ≤ n / (capacity + 1). */
  heavyHitterCapacity?: number;
  /** HyperLogLog precision p, 2^p one-byte registers (default 14: 0.81% standard error, 16 KiB). */
  hllPrecision?: number;
  /** Frequent values listed in `topValues` (default 20). Display only. */
  topK?: number;
  /** Equal-width bins of the numeric display histogram (default 20). Display only. */
  histogramBins?: number;
  /** Seed of the KLL coin flips (default fixed), for reproducible sketches. */
  seed?: number;
}

export type ResolvedColumnProfileOptions = Required<Omit<ColumnProfileOptions, 'seed'>>;

export const DEFAULT_COLUMN_PROFILE_OPTIONS: ResolvedColumnProfileOptions = {
  kind: 'auto',
  quantileK: DEFAULT_KLL_K,
  exactLimit: DEFAULT_EXACT_LIMIT,
  heavyHitterCapacity: DEFAULT_MISRA_GRIES_CAPACITY,
  hllPrecision: DEFAULT_HLL_PRECISION,
  topK: 20,
  histogramBins: 20,
};

/** Options that must be equal for two profiles to merge (the rest only shape the display). */
const SKETCH_OPTIONS = ['kind', 'quantileK', 'exactLimit', 'heavyHitterCapacity', 'hllPrecision'] as const;

/** Numeric part of a profile, present when `kind` is 'numeric'. */
export interface NumericProfile {
  /** State: moments of the finite values (`m2`: sum of squared deviations). */
  moments: MomentsJSON;
  /** State: KLL sketch of the finite values. */
  sketch: KllSketchJSON;
  /** Derived: sample variance (n − 1) and its square root; 0 below two values. */
  variance: number;
  stdDev: number;
  /** Derived: estimated percentiles (null when there are no finite values). */
  percentiles: Record<'p1' | 'p5' | 'p25' | 'p50' | 'p75' | 'p95' | 'p99', number | null>;
  /** Derived: equal-width bins over [min, max] with counts from the sketch (exact below about k values). */
  histogram: { edges: number[]; counts: number[] };
}

/**
 * A finalised column profile: plain JSON, stable within `version` 1. Fields marked derived are
 * recomputed from the state when a profile is loaded or merged, and ignored on input.
 */
export interface ColumnProfile {
  version: 1;
  kind: ColumnKind;
  options: ResolvedColumnProfileOptions;
  /** Values seen, missing ones included. */
  count: number;
  /** null, undefined or NaN. */
  nullCount: number;
  /** Non-number values in a column declared numeric. */
  invalidCount: number;
  /** ±Infinity values. */
  infiniteCount: number;
  /** Derived: distinct non-null values, exact when `distinctExact`, else a HyperLogLog estimate. */
  distinctCount: number;
  distinctExact: boolean;
  /** Derived: up to `topK` most frequent values; when sketched, counts are lower bounds (see `values`). */
  topValues: Array<{ value: ValueKey; count: number }>;
  /** State: counts of the other values: `count − nullCount − invalidCount − infiniteCount` of them. */
  values: ValueCountsJSON;
  numeric?: NumericProfile;
  /**
   * Derived: personal data found among the listed values, by kind (see value-counts.ts: flagged
   * values are written as placeholders). A numeric column holding card numbers is written as
   * categorical, without its numeric part (its sketch, bounds and percentiles would be the numbers).
   */
  pii?: PiiCounts;
}

/** Category counts for chi-squared, PSI and similar tests. */
export interface CategoryCounts {
  /** True when `counts` lists every value with its exact count. */
  exact: boolean;
  /** Largest first; lower bounds by at most `maxError` when not exact. */
  counts: Array<[ValueKey, number]>;
  maxError: number;
  /** Counted values not in `counts` (0 when exact). */
  otherCount: number;
  /** All counted values: `count − nullCount − invalidCount − infiniteCount`. */
  total: number;
}

export class ColumnProfiler {
  readonly options: ResolvedColumnProfileOptions;
  private currentKind: ColumnKind;
  private total = 0;
  private nulls = 0;
  private invalid = 0;
  private infinite = 0;
  private moments: Moments | undefined;
  private sketch: KllSketch | undefined;
  private valueCounts: ValueCounts;
  /** Reused by addNumbers. */
  private scratch = new Float64Array(0);

  constructor(options: ColumnProfileOptions = {}) {
    const { seed, ...rest } = options;
    this.options = { ...DEFAULT_COLUMN_PROFILE_OPTIONS, ...withoutUndefined(rest) };
    checkOptions(this.options, seed);
    this.currentKind = this.options.kind === 'categorical' ? 'categorical' : 'numeric';
    if (this.currentKind === 'numeric') {
      this.moments = new Moments();
      this.sketch = new KllSketch(this.options.quantileK, seed);
    }
    this.valueCounts = new ValueCounts(this.options);
  }

  get kind(): ColumnKind {
    return this.currentKind;
  }

  get count(): number {
    return this.total;
  }

  get nullCount(): number {
    return this.nulls;
  }

  add(value: ColumnValue | undefined): void {
    this.total += 1;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        if (Number.isNaN(value)) this.nulls += 1;
        else this.infinite += 1;
        return;
      }
      if (this.moments && this.sketch) {
        this.moments.add(value);
        this.sketch.add(value);
      }
      this.valueCounts.add(value);
    } else if (value === null || value === undefined) {
      this.nulls += 1;
    } else if (this.options.kind === 'numeric') {
      this.invalid += 1;
    } else {
      if (this.currentKind === 'numeric') this.becomeCategorical();
      this.valueCounts.add(typeof value === 'string' ? value : String(value));
    }
  }

  /**
   * Adds a column of numbers at once: NaN is missing, except the rows in `others`, whose values are added
   * as they are (text in a numeric column, for example). Same result as adding each value with `add`.
   */
  addNumbers(values: Float64Array, others?: ReadonlyMap<number, ColumnValue>): void {
    let missing = 0;
    let infinite = 0;
    if (this.scratch.length < values.length) this.scratch = new Float64Array(values.length);
    const finite = this.scratch;
    let n = 0;
    for (let i = 0; i < values.length; i += 1) {
      const value = values[i]!;
      if (value !== value) missing += 1;
      else if (value === Infinity || value === -Infinity) infinite += 1;
      else finite[n++] = value;
    }
    this.moments?.addMany(finite.subarray(0, n));
    // Sorted once for both: the sketch compacts sorted runs, the counts come per distinct value.
    const sorted = sortNumbers(finite.subarray(0, n));
    this.sketch?.addSorted(sorted);
    this.valueCounts.addSortedNumbers(sorted);
    this.total += values.length - (others?.size ?? 0);
    this.infinite += infinite;
    this.nulls += missing - (others?.size ?? 0);
    if (others) for (const value of others.values()) this.add(value);
  }

  addAll(values: Iterable<ColumnValue | undefined>): void {
    for (const value of values) this.add(value);
  }

  /** Records `count` missing values at once (a column absent from some rows or batches). */
  addNulls(count: number): void {
    this.total += count;
    this.nulls += count;
  }

  /** Merges another profile into this one; `other` is not changed. Throws when sketch options differ. */
  merge(other: ColumnProfiler): void {
    if (other === this) other = ColumnProfiler.fromState(this.toJSON());
    for (const key of SKETCH_OPTIONS) {
      if (this.options[key] !== other.options[key]) throw incompatibleProfiles(key, this.options[key], other.options[key]);
    }
    this.total += other.total;
    this.nulls += other.nulls;
    this.invalid += other.invalid;
    this.infinite += other.infinite;
    if (other.currentKind === 'categorical' && this.currentKind === 'numeric') this.becomeCategorical();
    if (this.currentKind === 'numeric') {
      this.moments!.merge(other.moments!);
      this.sketch!.merge(other.sketch!);
    }
    this.valueCounts.merge(other.valueCounts);
  }

  /** Estimated q-quantile of the finite values (see KllSketch.quantile); NaN when not numeric or empty. */
  quantile(q: number): number {
    return this.sketch ? this.sketch.quantile(q) : NaN;
  }

  /** Estimated fraction of finite values ≤ x; NaN when not numeric or empty. */
  cdf(x: number): number {
    return this.sketch ? this.sketch.cdf(x) : NaN;
  }

  /** The quantile sketch as a sorted weighted sample (for KS, Wasserstein); undefined when not numeric. */
  weightedValues(): WeightedValues | undefined {
    return this.sketch?.weightedValues();
  }

  /** Estimated counts of finite values per bin (see binWeightedValues); undefined when not numeric. */
  binCounts(edges: readonly number[]): number[] | undefined {
    return this.sketch ? binWeightedValues(this.sketch.weightedValues(), edges) : undefined;
  }

  categoryCounts(): CategoryCounts {
    const counts = this.valueCounts.entries();
    const listed = counts.reduce((sum, [, count]) => sum + count, 0);
    const total = this.valueCounts.count;
    return { exact: this.valueCounts.exact, counts, maxError: this.valueCounts.maxError(), otherCount: total - listed, total };
  }

  distinctCount(): number {
    return this.valueCounts.distinctCount();
  }

  /** The finalised, plain-JSON profile (also what `JSON.stringify(profiler)` writes). */
  toJSON(): ColumnProfile {
    const counts = this.valueCounts.entries();
    const profile: ColumnProfile = {
      version: 1,
      kind: this.currentKind,
      options: { ...this.options },
      count: this.total,
      nullCount: this.nulls,
      invalidCount: this.invalid,
      infiniteCount: this.infinite,
      distinctCount: this.valueCounts.distinctCount(),
      distinctExact: this.valueCounts.exact,
      topValues: counts.slice(0, this.options.topK).map(([value, count]) => ({ value, count })),
      values: this.valueCounts.toJSON(),
    };
    const pii = this.valueCounts.piiCounts();
    if (Object.keys(pii).length > 0) profile.pii = pii;
    if (this.moments && this.sketch) {
      const numeric = this.numericProfile(this.moments, this.sketch);
      if (profile.pii === undefined && !numbersHoldPii(numeric)) profile.numeric = numeric;
      else profile.kind = 'categorical';
    }
    return profile;
  }

  /** Rebuilds a profiler from a profile's state without checking it; use `profileFromJSON` for untrusted input. */
  static fromState(profile: ColumnProfile): ColumnProfiler {
    const profiler = new ColumnProfiler(profile.options);
    profiler.currentKind = profile.kind;
    profiler.total = profile.count;
    profiler.nulls = profile.nullCount;
    profiler.invalid = profile.invalidCount;
    profiler.infinite = profile.infiniteCount;
    if (profile.numeric) {
      profiler.moments = Moments.fromJSON(profile.numeric.moments);
      profiler.sketch = KllSketch.fromJSON(profile.numeric.sketch);
    } else {
      profiler.moments = undefined;
      profiler.sketch = undefined;
    }
    profiler.valueCounts = ValueCounts.fromJSON(profile.values, profiler.options);
    return profiler;
  }

  private becomeCategorical(): void {
    this.currentKind = 'categorical';
    this.moments = undefined;
    this.sketch = undefined;
  }

  private numericProfile(moments: Moments, sketch: KllSketch): NumericProfile {
    const empty = moments.count === 0;
    const at = (q: number): number | null => (empty ? null : sketch.quantile(q));
    return {
      moments: moments.toJSON(),
      sketch: sketch.toJSON(),
      variance: moments.variance,
      stdDev: Math.sqrt(moments.variance),
      percentiles: { p1: at(0.01), p5: at(0.05), p25: at(0.25), p50: at(0.5), p75: at(0.75), p95: at(0.95), p99: at(0.99) },
      histogram: empty ? { edges: [], counts: [] } : displayHistogram(sketch.weightedValues(), this.options.histogramBins),
    };
  }
}

/** True when a number the numeric part would write (sketch items, bounds, histogram edges) is flagged as personal data. */
function numbersHoldPii(numeric: NumericProfile): boolean {
  const { sketch, moments, histogram } = numeric;
  const numbers = [moments.min, moments.max, sketch.min, sketch.max, ...histogram.edges, ...sketch.levels.flat()];
  return numbers.some((value) => value !== null && (value >= 1e12 || value <= -1e12) && detectPii(value) !== undefined);
}

export function createColumnProfiler(options: ColumnProfileOptions = {}): ColumnProfiler {
  return new ColumnProfiler(options);
}

export function finalizeProfile(profiler: ColumnProfiler): ColumnProfile {
  return profiler.toJSON();
}

/** Equal-width bins over [min, max]; one bin when all values are equal. */
function displayHistogram(view: WeightedValues, bins: number): { edges: number[]; counts: number[] } {
  const { min, max } = view;
  const binCount = min === max ? 1 : bins;
  let step = (max - min) / binCount;
  if (!Number.isFinite(step)) step = max / binCount - min / binCount;
  const edges = Array.from({ length: binCount + 1 }, (_, i) => (i === binCount ? max : min + i * step));
  return { edges, counts: binWeightedValues(view, edges) };
}

/** Option limits: each sketch's own minimum, and maxima that keep a profile small. */
const OPTION_RANGES: Record<Exclude<keyof ResolvedColumnProfileOptions, 'kind'>, [number, number]> = {
  quantileK: [8, 65_536],
  exactLimit: [0, 1_000_000],
  heavyHitterCapacity: [1, 1_000_000],
  hllPrecision: [MIN_HLL_PRECISION, MAX_HLL_PRECISION],
  topK: [0, 1_000_000],
  histogramBins: [1, 100_000],
};

function checkOptions(options: ResolvedColumnProfileOptions, seed: number | undefined): void {
  const [problem] = optionProblems(options);
  if (problem) throw invalidOption(problem.name, problem.value, problem.expected);
  if (seed !== undefined && !Number.isInteger(seed)) throw invalidOption('seed', seed, 'an integer');
}

/** Options outside their ranges, each with what was expected. */
export function optionProblems(options: ResolvedColumnProfileOptions): Array<{ name: string; value: unknown; expected: string }> {
  const problems: Array<{ name: string; value: unknown; expected: string }> = [];
  if (!['auto', 'numeric', 'categorical'].includes(options.kind)) {
    problems.push({ name: 'kind', value: options.kind, expected: "one of 'auto', 'numeric', 'categorical'" });
  }
  for (const [name, [min, max]] of Object.entries(OPTION_RANGES)) {
    const value = options[name as keyof typeof OPTION_RANGES];
    if (!Number.isInteger(value) || value < min || value > max) problems.push({ name, value, expected: `an integer in ${min}..${max}` });
  }
  return problems;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
