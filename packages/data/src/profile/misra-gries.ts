/**
 * Misra–Gries frequent-items summary ("Finding repeated elements", 1982) in the mergeable form of
 * Agarwal et al. ("Mergeable summaries", PODS 2012).
 *
 * Keeps at most `capacity` counters (up to twice that between purges, so adding is amortised
 * O(log capacity)). A purge subtracts the (capacity+1)-th largest count from every counter and drops
 * those left at zero or below; `maxError` adds up what was subtracted. Every stored count c of a value
 * with true count f satisfies c ≤ f ≤ c + maxError, an unstored value has f ≤ maxError, and
 * maxError ≤ (n − Σ counts) / (capacity + 1) ≤ n / (capacity + 1): any value more frequent than
 * n / (capacity + 1) is always kept. Merging adds counters and errors, then purges; the bound holds
 * for the merged stream.
 */

export const DEFAULT_MISRA_GRIES_CAPACITY = 200;

/** A counted value: a string or a finite number (the number 1 and the string "1" differ). */
export type ValueKey = string | number;

/** Plain-JSON state: `counts` as `[value, count]` pairs, largest count first. */
export interface MisraGriesJSON {
  capacity: number;
  /** Number of values summarised. */
  n: number;
  maxError: number;
  counts: Array<[ValueKey, number]>;
}

export class MisraGries {
  readonly capacity: number;
  private counts = new Map<ValueKey, number>();
  private n = 0;
  private error = 0;

  constructor(capacity = DEFAULT_MISRA_GRIES_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`Misra–Gries capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get count(): number {
    return this.n;
  }

  get maxError(): number {
    this.purge();
    return this.error;
  }

  add(value: ValueKey, count = 1): void {
    this.n += count;
    this.counts.set(value, (this.counts.get(value) ?? 0) + count);
    if (this.counts.size > 2 * this.capacity) this.purge();
  }

  /**
   * Adds values with counts at once (`keys[i]` seen `counts[i]` times): what `merge` does with an exact
   * summary of them, so the bound holds, without a Map entry for every new value. For columns of
   * mostly distinct numbers, where adding one by one would purge every `capacity` values.
   */
  addCounts(keys: readonly ValueKey[], counts: readonly number[]): void {
    const fresh: number[] = [];
    for (let i = 0; i < keys.length; i += 1) {
      this.n += counts[i]!;
      const held = this.counts.get(keys[i]!);
      if (held === undefined) fresh.push(i);
      else this.counts.set(keys[i]!, held + counts[i]!);
    }
    if (this.counts.size + fresh.length <= 2 * this.capacity) {
      for (const i of fresh) this.counts.set(keys[i]!, counts[i]!);
      return;
    }
    // Purge over held and fresh counters together: subtract the (capacity+1)-th largest count.
    const all: number[] = [...this.counts.values()];
    for (const i of fresh) all.push(counts[i]!);
    const cut = kthLargest(all, this.capacity + 1);
    const kept = new Map<ValueKey, number>();
    for (const [value, count] of this.counts) if (count > cut) kept.set(value, count - cut);
    for (const i of fresh) if (counts[i]! > cut) kept.set(keys[i]!, counts[i]! - cut);
    this.counts = kept;
    this.error += cut;
  }

  merge(other: MisraGries): void {
    if (other.capacity !== this.capacity) throw new Error(`cannot merge Misra–Gries summaries with capacity ${this.capacity} and ${other.capacity}`);
    for (const [value, count] of other.counts) this.counts.set(value, (this.counts.get(value) ?? 0) + count);
    this.n += other.n;
    this.error += other.error;
    this.purge();
  }

  /** Stored counts (lower bounds), largest first; see `sortByCount` for ties. */
  entries(): Array<[ValueKey, number]> {
    this.purge();
    return sortByCount([...this.counts]);
  }

  toJSON(): MisraGriesJSON {
    const counts = this.entries(); // purges first, which can raise the error
    return { capacity: this.capacity, n: this.n, maxError: this.error, counts };
  }

  /** Loads a state written by `toJSON`; the caller has checked its shape. */
  static fromJSON(json: MisraGriesJSON): MisraGries {
    const summary = new MisraGries(json.capacity);
    summary.counts = new Map(json.counts);
    summary.n = json.n;
    summary.error = json.maxError;
    summary.purge();
    return summary;
  }

  /** Cuts the counters down to at most `capacity`; see the bound in the module comment. */
  private purge(): void {
    if (this.counts.size <= this.capacity) return;
    const sorted = [...this.counts.values()].sort((a, b) => b - a);
    const cut = sorted[this.capacity]!;
    const kept = new Map<ValueKey, number>();
    for (const [value, count] of this.counts) if (count > cut) kept.set(value, count - cut);
    this.counts = kept;
    this.error += cut;
  }
}

/** The k-th largest of positive integers (k ≤ values.length): by counting when they are small, as counts mostly are. */
function kthLargest(values: number[], k: number): number {
  let max = 0;
  let integers = true;
  for (const value of values) {
    if (value > max) max = value;
    if (!Number.isInteger(value)) integers = false;
  }
  if (max > 1 << 16 || !integers) return values.sort((a, b) => b - a)[k - 1]!;
  const tally = new Uint32Array(max + 1);
  for (const value of values) tally[value]! += 1;
  let seen = 0;
  for (let value = max; value > 0; value -= 1) {
    seen += tally[value]!;
    if (seen >= k) return value;
  }
  return 0;
}

/** Largest count first; ties put numbers (ascending) before strings (code-unit order), so output is stable. */
export function sortByCount(entries: Array<[ValueKey, number]>): Array<[ValueKey, number]> {
  return entries.sort((a, b) => b[1] - a[1] || compareKeys(a[0], b[0]));
}

function compareKeys(a: ValueKey, b: ValueKey): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
