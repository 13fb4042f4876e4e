/**
 * Counts of values by key (a string or a finite number), exact while few distinct keys are seen and
 * sketched beyond.
 *
 * Up to `exactLimit` distinct keys (default 1,000: the usual categorical column) every count is kept,
 * which gives exact category counts for chi-squared tests and an exact distinct count. Past that the
 * counts move into a Misra–Gries summary (frequent values with a bounded error) and the keys into a
 * HyperLogLog sketch (distinct count). HyperLogLog registers ignore duplicates, so feeding it each key
 * once at the switch gives the same registers as feeding it the whole stream: merged and whole-stream
 * results stay identical for the distinct count, and within the Misra–Gries bound for frequencies.
 *
 * Personal data: every key that leaves this class (`entries`, `toJSON`) goes through core's PII
 * masker, so a flagged value is written as its placeholder (`<email>`) with the counts of all the
 * values it replaced added up. Counts stay totals of the same values; a placeholder is a key like any
 * other when a written state is loaded and merged.
 */
import { PiiMasker, type PiiCounts } from '@mlship/core';
import { HyperLogLog, type HyperLogLogJSON } from './hyperloglog.js';
import { MisraGries, sortByCount, type MisraGriesJSON, type ValueKey } from './misra-gries.js';

export const DEFAULT_EXACT_LIMIT = 1000;

export interface ValueCountsOptions {
  exactLimit: number;
  heavyHitterCapacity: number;
  hllPrecision: number;
}

/** Plain-JSON state: either every count, or the two sketches. `n` counts the values added. */
export type ValueCountsJSON =
  | { exact: true; n: number; counts: Array<[ValueKey, number]> }
  | { exact: false; n: number; frequent: MisraGriesJSON; distinct: HyperLogLogJSON };

export class ValueCounts {
  readonly options: ValueCountsOptions;
  private n = 0;
  private exactCounts: Map<ValueKey, number> | undefined = new Map();
  private frequent: MisraGries | undefined;
  private distinct: HyperLogLog | undefined;

  constructor(options: ValueCountsOptions) {
    this.options = options;
  }

  get count(): number {
    return this.n;
  }

  get exact(): boolean {
    return this.exactCounts !== undefined;
  }

  add(key: ValueKey): void {
    this.n += 1;
    if (this.exactCounts) {
      this.exactCounts.set(key, (this.exactCounts.get(key) ?? 0) + 1);
      if (this.exactCounts.size > this.options.exactLimit) this.switchToSketches();
    } else {
      this.frequent!.add(key);
      this.distinct!.add(key);
    }
  }

  /** Adds sorted numbers at once (equal values next to each other): one count per distinct value. */
  addSortedNumbers(sorted: ArrayLike<number>): void {
    const keys: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < sorted.length; ) {
      const value = sorted[i]!;
      let j = i + 1;
      while (j < sorted.length && sorted[j] === value) j += 1;
      keys.push(value);
      counts.push(j - i);
      i = j;
    }
    let i = 0;
    if (this.exactCounts) {
      for (; i < keys.length && this.exactCounts; i += 1) {
        this.n += counts[i]!;
        this.exactCounts.set(keys[i]!, (this.exactCounts.get(keys[i]!) ?? 0) + counts[i]!);
        if (this.exactCounts.size > this.options.exactLimit) this.switchToSketches();
      }
      if (i === keys.length) return;
    }
    const restKeys = i === 0 ? keys : keys.slice(i);
    const restCounts = i === 0 ? counts : counts.slice(i);
    for (const count of restCounts) this.n += count;
    this.frequent!.addCounts(restKeys, restCounts);
    for (const key of restKeys) this.distinct!.add(key);
  }

  merge(other: ValueCounts): void {
    this.n += other.n;
    if (this.exactCounts && other.exactCounts) {
      for (const [key, count] of other.exactCounts) this.exactCounts.set(key, (this.exactCounts.get(key) ?? 0) + count);
      if (this.exactCounts.size > this.options.exactLimit) this.switchToSketches();
      return;
    }
    if (this.exactCounts) this.switchToSketches();
    const [frequent, distinct] = other.exactCounts ? sketchesOf(other.exactCounts, this.options) : [other.frequent!, other.distinct!];
    this.frequent!.merge(frequent);
    this.distinct!.merge(distinct);
  }

  /** Exact distinct count, or the HyperLogLog estimate (never below what the exact phase proved). */
  distinctCount(): number {
    if (this.exactCounts) return this.exactCounts.size;
    return Math.max(this.distinct!.estimate(), this.options.exactLimit + 1);
  }

  /** Counts largest first, flagged values masked: all of them when exact, else Misra–Gries lower bounds. */
  entries(): Array<[ValueKey, number]> {
    return maskKeys(this.exactCounts ? [...this.exactCounts] : this.frequent!.entries()).entries;
  }

  /** Counts by kind of the personal data among the entries (exact when `exact`). */
  piiCounts(): PiiCounts {
    return maskKeys(this.exactCounts ? [...this.exactCounts] : this.frequent!.entries()).pii;
  }

  /** Largest possible undercount of any entry (0 when exact). */
  maxError(): number {
    return this.exactCounts ? 0 : this.frequent!.maxError;
  }

  toJSON(): ValueCountsJSON {
    if (this.exactCounts) return { exact: true, n: this.n, counts: this.entries() };
    const frequent = this.frequent!.toJSON();
    return { exact: false, n: this.n, frequent: { ...frequent, counts: maskKeys(frequent.counts).entries }, distinct: this.distinct!.toJSON() };
  }

  /** Loads a state written by `toJSON`; the caller has checked its shape. */
  static fromJSON(json: ValueCountsJSON, options: ValueCountsOptions): ValueCounts {
    const counts = new ValueCounts(options);
    counts.n = json.n;
    if (json.exact) {
      counts.exactCounts = new Map(json.counts);
      if (counts.exactCounts.size > options.exactLimit) counts.switchToSketches();
    } else {
      counts.exactCounts = undefined;
      counts.frequent = MisraGries.fromJSON(json.frequent);
      counts.distinct = HyperLogLog.fromJSON(json.distinct);
    }
    return counts;
  }

  private switchToSketches(): void {
    [this.frequent, this.distinct] = sketchesOf(this.exactCounts!, this.options);
    this.exactCounts = undefined;
  }
}

function sketchesOf(counts: Map<ValueKey, number>, options: ValueCountsOptions): [MisraGries, HyperLogLog] {
  const frequent = new MisraGries(options.heavyHitterCapacity);
  const distinct = new HyperLogLog(options.hllPrecision);
  for (const [key, count] of counts) {
    frequent.add(key, count);
    distinct.add(key);
  }
  return [frequent, distinct];
}

/** Entries with flagged keys replaced by their placeholders (counts of one placeholder added up), largest first. */
function maskKeys(entries: Array<[ValueKey, number]>): { entries: Array<[ValueKey, number]>; pii: PiiCounts } {
  const masker = new PiiMasker(0);
  let masked: Map<ValueKey, number> | undefined;
  for (const [key, count] of entries) {
    const shown = masker.mask(key, count);
    if (shown === key && !masked) continue;
    if (!masked) masked = new Map(entries.slice(0, entries.findIndex(([k]) => k === key)));
    masked.set(shown, (masked.get(shown) ?? 0) + count);
  }
  return { entries: sortByCount(masked ? [...masked] : entries), pii: masker.counts };
}
