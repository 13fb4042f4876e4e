import { MisraGries } from './misra-gries.js';
import { randomChunks, zipfCategories } from '../../test/distributions.js';

function summaryOf(values: readonly string[], capacity?: number): MisraGries {
  const summary = new MisraGries(capacity);
  for (const value of values) summary.add(value);
  return summary;
}

function trueCounts(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Checks c ≤ f ≤ c + maxError for every value and maxError ≤ n / (capacity + 1). */
function expectWithinBound(summary: MisraGries, counts: Map<string, number>, n: number): void {
  const stored = new Map(summary.entries());
  expect(summary.count).toBe(n);
  expect(summary.maxError).toBeLessThanOrEqual(n / (summary.capacity + 1));
  const violations = [...counts].filter(([value, truth]) => {
    const estimate = stored.get(value) ?? 0;
    return estimate > truth || truth > estimate + summary.maxError;
  });
  expect(violations).toEqual([]);
  expect(stored.size).toBeLessThanOrEqual(summary.capacity);
}

describe('MisraGries', () => {
  const values = zipfCategories(200_000, 50_000, 11);
  const counts = trueCounts(values);
  const heavy = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 20);

  it('is exact while the values fit', () => {
    const summary = summaryOf(['b', 'a', 'b', 'c', 'b', 'a']);
    expect(summary.entries()).toEqual([['b', 3], ['a', 2], ['c', 1]]);
    expect(summary.maxError).toBe(0);
  });

  it('finds the true top 20 of a Zipf stream, in order, within its error bound', () => {
    const summary = summaryOf(values);
    expectWithinBound(summary, counts, values.length);
    expect(summary.entries().slice(0, 20).map(([value]) => value)).toEqual(heavy.map(([value]) => value));
  });

  it('keeps the bound when merged from chunks, also after JSON round trips', () => {
    const merged = new MisraGries();
    for (const chunk of randomChunks(values, 25, 12)) {
      merged.merge(MisraGries.fromJSON(JSON.parse(JSON.stringify(summaryOf(chunk)))));
    }
    expectWithinBound(merged, counts, values.length);
    const top = new Set(merged.entries().slice(0, 25).map(([value]) => value));
    for (const [value] of heavy) expect(top.has(value)).toBe(true);
  });

  it('refuses to merge different capacities', () => {
    expect(() => new MisraGries(10).merge(new MisraGries(20))).toThrow(/capacity/);
  });
});
