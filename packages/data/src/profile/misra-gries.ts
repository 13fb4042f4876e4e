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

/** Largest count first; ties put numbers (ascending) before strings (code-unit order), so output is stable. */
export function sortByCount(entries: Array<[ValueKey, number]>): Array<[ValueKey, number]> {
  return entries.sort((a, b) => b[1] - a[1] || compareKeys(a[0], b[0]));
}

function compareKeys(a: ValueKey, b: ValueKey): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
