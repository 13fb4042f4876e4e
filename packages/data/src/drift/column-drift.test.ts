import { columnDrift } from './column-drift.js';
import { chiSquareGoodnessOfFit } from './chi-squared.js';
import { histogramCounts } from './histogram.js';
import { ksTwoSample } from './ks-test.js';
import { histogramSample, toStepDistribution } from './numeric-sample.js';
import { fillEmptyShares, populationStabilityIndex } from './psi.js';
import { chiSquaredSf, normalSf, regularizedGammaQ } from './special-functions.js';
import { normedWassersteinDistance, wassersteinDistance } from './wasserstein.js';
import { proportionsZTest } from './z-test.js';

/** Deterministic pseudo-normal values (Box–Muller over Mulberry32), rounded to 2 decimals. */
function normalValues(count: number, mean: number, seed: number): number[] {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => Math.round((mean + Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())) * 100) / 100);
}

function asCounts(values: readonly number[]): { values: number[]; weights: number[] } {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return { values: [...counts.keys()], weights: [...counts.values()] };
}

describe('columnDrift edge cases', () => {
  test('an empty current side is not tested: score and psi null, no drift', () => {
    const result = columnDrift({ kind: 'numeric', reference: [1, 2, 3, 4, 5, 6, 7], current: [] });
    expect(result).toMatchObject({ method: 'ks', threshold: 0.05, score: null, psi: null, drifted: false, referenceRows: 7, currentRows: 0 });
  });

  test('an empty reference side is not tested either', () => {
    const result = columnDrift({ kind: 'categorical', reference: new Map(), current: new Map([['a', 3]]) });
    expect(result).toMatchObject({ method: 'z', score: null, psi: null, drifted: false, referenceRows: 0, currentRows: 3 });
  });

  test('a constant reference divides the Wasserstein distance by 0.001 (Evidently)', () => {
    const reference = { values: [5], weights: [2000] };
    const result = columnDrift({ kind: 'numeric', reference, current: { values: [5, 5.01, 5.02, 5.03, 5.04, 5.05], weights: [1, 1, 1, 1, 1, 1] } });
    expect(result.method).toBe('wasserstein');
    expect(result.score).toBeCloseTo(0.025 / 0.001, 9);
    expect(result.drifted).toBe(true);
    expect(normedWassersteinDistance([5, 5, 5], [5, 5])).toBe(0);
  });

  test('raw values and their counts give the same scores', () => {
    const reference = normalValues(3000, 0, 1);
    const current = normalValues(2000, 0.1, 2);
    for (const method of [undefined, 'ks', 'psi', 'jensenshannon'] as const) {
      const fromRaw = columnDrift({ kind: 'numeric', reference, current, method });
      const fromCounts = columnDrift({ kind: 'numeric', reference: asCounts(reference), current: asCounts(current), method });
      expect(fromCounts.score).toBeCloseTo(fromRaw.score!, 12);
      expect(fromCounts.psi).toBeCloseTo(fromRaw.psi!, 12);
      expect(fromCounts.drifted).toBe(fromRaw.drifted);
    }
  });

  test('categories: a Map and pairs agree; the number 1 and the string "1" differ', () => {
    const reference = new Map<string | number, number>([['1', 50], [1, 50], ['b', 100]]);
    const current: Array<[string | number, number]> = [['1', 20], ['b', 30], [1, 50]];
    const result = columnDrift({ kind: 'categorical', reference, current });
    expect(result).toMatchObject({ method: 'chisquare', distinctValues: 3, referenceRows: 200, currentRows: 100 });
    expect(columnDrift({ kind: 'categorical', reference: [...reference], current }).score).toBe(result.score);
  });

  test('a category new in the current data makes chi-squared infinite: p = 0, drift', () => {
    const result = columnDrift({ kind: 'categorical', reference: [['a', 60], ['b', 40], ['c', 10]], current: [['a', 60], ['b', 40], ['c', 9], ['d', 1]] });
    expect(result).toMatchObject({ method: 'chisquare', statistic: Infinity, score: 0, drifted: true });
  });

  test('one and the same value on both sides: z-test p = 1, no drift', () => {
    const result = columnDrift({ kind: 'categorical', reference: [['yes', 10]], current: [['yes', 30]] });
    expect(result).toMatchObject({ method: 'z', score: 1, drifted: false, psi: 0 });
  });

  test('non-finite values and bad weights are contract violations', () => {
    expect(() => columnDrift({ kind: 'numeric', reference: [1, Number.NaN], current: [1] })).toThrow(RangeError);
    expect(() => ksTwoSample({ values: [1, 2], weights: [1, -1] }, [1])).toThrow(RangeError);
    expect(() => ksTwoSample({ values: [1, 2], weights: [1] }, [1])).toThrow(RangeError);
    expect(() => columnDrift({ kind: 'categorical', reference: [['a', Number.NaN]], current: [['a', 1]] })).toThrow(RangeError);
  });
});

describe('summaries', () => {
  test('a sketch-like summary (extra fields, sorted centroids) works as a weighted sample', () => {
    const sketch = { values: [1, 2, 3, 4], weights: [10, 20, 30, 40], cumulative: [10, 30, 60, 100], total: 100, min: 1, max: 4 };
    const expanded = [...Array(10).fill(1), ...Array(20).fill(2), ...Array(30).fill(3), ...Array(40).fill(4)] as number[];
    expect(ksTwoSample(sketch, [2, 3, 4, 5])).toEqual(ksTwoSample(expanded, [2, 3, 4, 5]));
    expect(wassersteinDistance(sketch, [2.5])).toBe(wassersteinDistance(expanded, [2.5]));
  });

  test('fractional total weights use the asymptotic KS p-value', () => {
    expect(ksTwoSample({ values: [1, 2, 3], weights: [0.5, 1, 1.25] }, [2, 3, 4]).method).toBe('asymp');
    expect(ksTwoSample([1, 2, 3], [2, 3, 4]).method).toBe('exact');
  });

  test('histograms with common edges: the KS statistic at the upper edges is the raw one there', () => {
    // Edges between the 2-decimal values, covering them all: F just below an edge is F at it.
    const reference = normalValues(500, 0, 3);
    const current = normalValues(400, 0.5, 4);
    const edges = [-10.005, -2.005, -1.005, -0.005, 0.995, 1.995, 10.005];
    const d = ksTwoSample(histogramSample(edges, histogramCounts(reference, edges), 'upper'), histogramSample(edges, histogramCounts(current, edges), 'upper'), { method: 'asymp' });
    const a = toStepDistribution(reference);
    const b = toStepDistribution(current);
    const cdf = (s: typeof a, x: number) => s.cumulative.reduce((acc, c, i) => (s.values[i]! <= x ? c : acc), 0) / s.total;
    const atEdges = Math.max(...edges.map((x) => Math.abs(cdf(a, x) - cdf(b, x))));
    expect(d.statistic).toBeCloseTo(atEdges, 15);
    expect(d.statistic).toBeLessThanOrEqual(ksTwoSample(reference, current).statistic);
  });

  test('the exact KS p-value at 10,000 values per side stays fast', () => {
    const reference = normalValues(9999, 0, 5);
    const current = normalValues(10000, 0.02, 6);
    const started = Date.now();
    const result = ksTwoSample(asCounts(reference), asCounts(current));
    expect(result.method).toBe('exact');
    expect(result.pValue).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('small functions', () => {
  test('special values of the survival functions', () => {
    expect(regularizedGammaQ(3, 0)).toBe(1);
    expect(regularizedGammaQ(3, Infinity)).toBe(0);
    expect(chiSquaredSf(0, 4)).toBe(1);
    expect(chiSquaredSf(-1, 4)).toBe(1);
    expect(chiSquaredSf(Infinity, 4)).toBe(0);
    expect(normalSf(0)).toBe(0.5);
    expect(normalSf(-Infinity)).toBe(1);
    expect(normalSf(Infinity)).toBe(0);
  });

  test('chi-squared: one category has p = 1; totals must agree', () => {
    expect(chiSquareGoodnessOfFit([10], [10])).toEqual({ statistic: 0, pValue: 1, df: 0 });
    expect(() => chiSquareGoodnessOfFit([10, 10], [10, 11])).toThrow(/same total/);
  });

  test('z-test needs two non-empty samples', () => {
    expect(() => proportionsZTest({ successes: 0, total: 0 }, { successes: 1, total: 2 })).toThrow(RangeError);
  });

  test('PSI: empty shares are filled as Evidently does', () => {
    expect(fillEmptyShares([0.5, 0.5, 0])).toEqual([0.5, 0.5, 0.0001]);
    expect(fillEmptyShares([0.99995, 0.00005, 0])).toEqual([0.99995, 0.00005, 0.00005 / 10 ** 6]);
    expect(populationStabilityIndex([1, 2, 3], [2, 4, 6])).toBe(0);
  });
});
