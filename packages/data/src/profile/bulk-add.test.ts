import { ColumnProfiler } from './column-profile.js';
import { KllSketch, kllRankErrorBound } from './kll-sketch.js';
import { MisraGries } from './misra-gries.js';
import { Moments } from './moments.js';
import { exactCdf, normalValues, zipfCategories } from '../../test/distributions.js';

/** The batch paths (addNumbers, addMany, addSorted, addCounts) against adding one value at a time. */
describe('bulk adds', () => {
  const values = normalValues(50_000, 11, 3, 2).map((x) => Math.round(x * 100) / 100);
  const batches = (size: number) => Array.from({ length: Math.ceil(values.length / size) }, (_, i) => Float64Array.from(values.slice(i * size, (i + 1) * size)));

  it('Moments.addMany matches adding one by one to 1e-12', () => {
    const one = new Moments();
    values.forEach((x) => one.add(x));
    const many = new Moments();
    batches(7_000).forEach((batch) => many.addMany(batch));
    expect(many.count).toBe(one.count);
    expect(many.min).toBe(one.min);
    expect(many.max).toBe(one.max);
    expect(Math.abs(many.mean - one.mean)).toBeLessThan(1e-12 * Math.abs(one.mean));
    expect(Math.abs(many.variance - one.variance)).toBeLessThan(1e-12 * one.variance);
    expect(Math.abs(many.sum - one.sum)).toBeLessThan(1e-9);
  });

  it('KllSketch.addSorted keeps the rank-error bound and the exact count, min and max', () => {
    const sketch = new KllSketch(200);
    batches(10_000).forEach((batch) => sketch.addSorted(batch.slice().sort()));
    const sorted = [...values].sort((a, b) => a - b);
    expect(sketch.count).toBe(values.length);
    expect(sketch.quantile(0)).toBe(sorted[0]);
    expect(sketch.quantile(1)).toBe(sorted[sorted.length - 1]);
    let worst = 0;
    for (let i = 0; i < sorted.length; i += 101) worst = Math.max(worst, Math.abs(sketch.cdf(sorted[i]!) - exactCdf(sorted, sorted[i]!)));
    expect(worst).toBeLessThan(kllRankErrorBound(200) + 0.01);
    expect(sketch.retainedItems).toBeLessThan(3 * 200 + 100);
  });

  it('MisraGries.addCounts keeps every count within the bound and every heavy value', () => {
    const categories = zipfCategories(40_000, 2_000, 5);
    const exact = new Map<string, number>();
    for (const c of categories) exact.set(c, (exact.get(c) ?? 0) + 1);
    const summary = new MisraGries(50);
    for (let i = 0; i < categories.length; i += 5_000) {
      const chunk = new Map<string, number>();
      for (const c of categories.slice(i, i + 5_000)) chunk.set(c, (chunk.get(c) ?? 0) + 1);
      summary.addCounts([...chunk.keys()], [...chunk.values()]);
    }
    expect(summary.count).toBe(categories.length);
    const stored = new Map(summary.entries());
    const bound = summary.maxError;
    expect(bound).toBeLessThanOrEqual(categories.length / 51);
    for (const [value, count] of exact) {
      const kept = stored.get(value) ?? 0;
      expect(kept).toBeLessThanOrEqual(count);
      expect(count - kept).toBeLessThanOrEqual(bound);
      if (count > categories.length / 51) expect(stored.has(value)).toBe(true);
    }
  });

  it('ColumnProfiler.addNumbers gives the same counts, moments and exact values as add()', () => {
    const cells = Float64Array.from([1, 2, 2, NaN, Infinity, 3.5, -Infinity, NaN, 2, NaN]);
    const others = new Map<number, string | number>([[7, 'oops'], [9, 4]]);
    const bulk = new ColumnProfiler();
    bulk.addNumbers(cells, others);
    const single = new ColumnProfiler();
    cells.forEach((x, i) => single.add(others.has(i) ? others.get(i)! : Number.isNaN(x) ? null : x));
    const a = bulk.toJSON();
    const b = single.toJSON();
    expect(a.kind).toBe('categorical'); // 'oops' made the auto column categorical
    expect({ ...a, topValues: [...a.topValues].sort((x, y) => String(x.value).localeCompare(String(y.value))) }).toEqual({
      ...b,
      topValues: [...b.topValues].sort((x, y) => String(x.value).localeCompare(String(y.value))),
    });
    const numeric = new ColumnProfiler({ kind: 'numeric' });
    numeric.addNumbers(Float64Array.from(values));
    const reference = new ColumnProfiler({ kind: 'numeric' });
    values.forEach((x) => reference.add(x));
    const [n, r] = [numeric.toJSON(), reference.toJSON()];
    expect(n.count).toBe(r.count);
    expect(n.distinctCount).toBe(r.distinctCount);
    expect(n.numeric!.moments.count).toBe(r.numeric!.moments.count);
    expect(n.numeric!.stdDev).toBeCloseTo(r.numeric!.stdDev, 10);
  });
});
