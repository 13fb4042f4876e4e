import { Moments } from './moments.js';
import { logNormalValues, randomChunks } from '../../test/distributions.js';

function momentsOf(values: readonly number[]): Moments {
  const moments = new Moments();
  for (const x of values) moments.add(x);
  return moments;
}

describe('Moments', () => {
  it('computes count, sum, min, max, mean and sample variance', () => {
    const moments = momentsOf([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(moments.toJSON()).toEqual({ count: 8, sum: 40, mean: 5, m2: 32, min: 2, max: 9 });
    expect(moments.variance).toBeCloseTo(32 / 7, 12);
    expect(moments.populationVariance).toBe(4);
  });

  it('is empty-safe', () => {
    expect(new Moments().toJSON()).toEqual({ count: 0, sum: 0, mean: 0, m2: 0, min: null, max: null });
    expect(momentsOf([3]).variance).toBe(0);
  });

  it('merges chunks (Chan et al.) to the whole-stream result up to rounding, through JSON', () => {
    const values = logNormalValues(100_000, 21).map((x) => x + 1e6);
    const whole = momentsOf(values).toJSON();
    const merged = new Moments();
    for (const chunk of randomChunks(values, 50, 22)) merged.merge(Moments.fromJSON(JSON.parse(JSON.stringify(momentsOf(chunk)))));
    const result = merged.toJSON();
    expect(result.count).toBe(whole.count);
    expect(result.min).toBe(whole.min);
    expect(result.max).toBe(whole.max);
    expect(result.mean).toBeCloseTo(whole.mean, 6);
    expect(Math.abs(result.m2 / whole.m2 - 1)).toBeLessThan(1e-9);
    expect(Math.abs(result.sum / whole.sum - 1)).toBeLessThan(1e-12);
  });

  it('keeps the variance of values with a large offset (Welford, not sum of squares)', () => {
    const moments = momentsOf([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]);
    expect(moments.variance).toBeCloseTo(30, 6);
  });
});
