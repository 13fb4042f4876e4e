import { KllSketch, binWeightedValues, kllRankErrorBound } from './kll-sketch.js';
import { createRandom } from './random.js';
import { exactCdf, logNormalValues, normalValues, randomChunks } from '../../test/distributions.js';

/** Largest |estimated − true| CDF over the 1%…99% quantile points and every 97th data point. */
function maxRankError(sketch: KllSketch, values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const points = Array.from({ length: 99 }, (_, i) => sorted[Math.floor(((i + 1) / 100) * sorted.length)]!);
  for (let i = 0; i < sorted.length; i += 97) points.push(sorted[i]!);
  let worst = 0;
  for (const x of points) worst = Math.max(worst, Math.abs(sketch.cdf(x) - exactCdf(sorted, x)));
  // Quantile queries: q must lie between the true fractions of values below and up to the answer.
  for (let i = 1; i < 100; i++) {
    const q = i / 100;
    const estimate = sketch.quantile(q);
    const error = Math.max(exactCdf(sorted, estimate, true) - q, q - exactCdf(sorted, estimate), 0);
    worst = Math.max(worst, error);
  }
  return worst;
}

function sketchOf(values: readonly number[], k = 200, seed?: number): KllSketch {
  const sketch = new KllSketch(k, seed);
  for (const x of values) sketch.add(x);
  return sketch;
}

describe('KllSketch', () => {
  const bound = kllRankErrorBound(200);

  it('documents a 1.65% rank error bound at k = 200', () => {
    expect(bound).toBeCloseTo(0.0165, 3);
  });

  it('is exact while it has not compacted', () => {
    const values = [5, 3, 9, 1, 7, 3];
    const sketch = sketchOf(values);
    expect(sketch.quantile(0)).toBe(1);
    expect(sketch.quantile(0.5)).toBe(3);
    expect(sketch.quantile(0.51)).toBe(5);
    expect(sketch.quantile(1)).toBe(9);
    expect(sketch.cdf(3)).toBeCloseTo(3 / 6);
    expect(sketch.cdf(0)).toBe(0);
    expect(sketch.weightedValues()).toMatchObject({ values: [1, 3, 5, 7, 9], weights: [1, 2, 1, 1, 1], total: 6 });
  });

  it('answers NaN when empty', () => {
    const sketch = new KllSketch();
    expect(sketch.quantile(0.5)).toBeNaN();
    expect(sketch.cdf(0)).toBeNaN();
  });

  it.each([
    ['normal, 1e6 values', normalValues(1_000_000, 1)],
    ['log-normal, 1e5 values', logNormalValues(100_000, 2)],
    ['sorted ascending, 1e5 values', Array.from({ length: 100_000 }, (_, i) => i)],
    ['sorted descending, 1e5 values', Array.from({ length: 100_000 }, (_, i) => -i)],
    ['few distinct values, 1e5 values', normalValues(100_000, 3).map(Math.round)],
  ])('keeps the rank error within its bound: %s', (_name, values) => {
    const sketch = sketchOf(values);
    expect(sketch.count).toBe(values.length);
    expect(sketch.weightedValues().total).toBe(values.length);
    expect(sketch.retainedItems).toBeLessThan(1000);
    expect(maxRankError(sketch, values)).toBeLessThan(bound);
  });

  it('keeps the bound when merged from many chunks, with exact min, max and total weight', () => {
    const values = logNormalValues(300_000, 4);
    const chunks = randomChunks(values, 40, 5);
    const merged = new KllSketch();
    for (const chunk of chunks) merged.merge(sketchOf(chunk));
    expect(merged.count).toBe(values.length);
    expect(merged.weightedValues().total).toBe(values.length);
    expect(merged.quantile(0)).toBe(values.reduce((a, b) => Math.min(a, b)));
    expect(merged.quantile(1)).toBe(values.reduce((a, b) => Math.max(a, b)));
    expect(merged.retainedItems).toBeLessThan(1000);
    expect(maxRankError(merged, values)).toBeLessThan(bound);
  });

  it('keeps the bound for every one of 20 seeds', () => {
    const values = normalValues(100_000, 10);
    for (let seed = 1; seed <= 20; seed++) expect(maxRankError(sketchOf(values, 200, seed), values)).toBeLessThan(bound);
  });

  it('is reproducible, also across a JSON round trip', () => {
    const values = normalValues(50_000, 6);
    const whole = sketchOf(values);
    expect(sketchOf(values).toJSON()).toEqual(whole.toJSON());
    const half = sketchOf(values.slice(0, 25_000));
    const restored = KllSketch.fromJSON(JSON.parse(JSON.stringify(half)));
    for (const x of values.slice(25_000)) restored.add(x);
    expect(restored.toJSON()).toEqual(whole.toJSON());
  });

  it('gets more accurate with a larger k', () => {
    const values = normalValues(200_000, 8);
    expect(maxRankError(sketchOf(values, 800), values)).toBeLessThan(kllRankErrorBound(800));
    expect(kllRankErrorBound(800)).toBeLessThan(0.005);
  });
});

describe('binWeightedValues', () => {
  it('counts [edge, next edge) with the last bin closed and ignores values outside', () => {
    const uniform = createRandom(9);
    const values = Array.from({ length: 100 }, () => Math.floor(uniform() * 10));
    const view = sketchOf([...values, -1, 11]).weightedValues();
    const counts = binWeightedValues(view, [0, 5, 10]);
    expect(counts).toEqual([values.filter((x) => x < 5).length, values.filter((x) => x >= 5).length]);
    expect(binWeightedValues(view, [-Infinity, Infinity])).toEqual([102]);
    expect(binWeightedValues(view, [3])).toEqual([]);
  });
});
