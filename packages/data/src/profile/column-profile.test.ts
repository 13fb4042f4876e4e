import { isMlshipError } from '@mlship/core';
import { ColumnProfiler, createColumnProfiler, finalizeProfile, type ColumnProfile, type ColumnProfileOptions, type ColumnValue } from './column-profile.js';
import { kllRankErrorBound } from './kll-sketch.js';
import { mergeProfiles } from './merge-profiles.js';
import { profileFromJSON } from './profile-json.js';
import { createRandom } from './random.js';
import { exactCdf, logNormalValues, normalValues, randomChunks, zipfCategories } from '../../test/distributions.js';

function profileOf(values: readonly ColumnValue[], options?: ColumnProfileOptions): ColumnProfile {
  const profiler = createColumnProfiler(options);
  profiler.addAll(values);
  return finalizeProfile(profiler);
}

/** Profiles chunks separately, stores each as JSON text, and merges the stored profiles. */
function profileByChunks(values: readonly ColumnValue[], chunks: number, seed: number, options?: ColumnProfileOptions): ColumnProfile {
  const stored = randomChunks(values, chunks, seed).map((chunk) => JSON.parse(JSON.stringify(profileOf(chunk, options))) as ColumnProfile);
  return stored.reduce((merged, next) => mergeProfiles(merged, next));
}

function relativeDifference(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/** Counts as the profile keys them: finite numbers as numbers, booleans as strings. */
function trueCounts(values: readonly ColumnValue[]): Map<string | number, number> {
  const counts = new Map<string | number, number>();
  for (const value of values) {
    if (value === null || (typeof value === 'number' && !Number.isFinite(value))) continue;
    const key = typeof value === 'boolean' ? String(value) : value;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Exact parts equal (floating-point sums up to rounding); sketched parts within their bounds of the truth. */
function expectMergedMatchesWhole(merged: ColumnProfile, whole: ColumnProfile, values: readonly ColumnValue[]): void {
  expect(merged.kind).toBe(whole.kind);
  const counts = (p: ColumnProfile): number[] => [p.count, p.nullCount, p.invalidCount, p.infiniteCount];
  expect(counts(merged)).toEqual(counts(whole));
  // Exact counts are equal; past the exact limit the HyperLogLog registers are equal, so the distinct count is too.
  expect(merged.distinctExact).toBe(whole.distinctExact);
  expect(merged.distinctCount).toBe(whole.distinctCount);
  if (whole.values.exact) expect(merged.values).toEqual(whole.values);
  else if (!merged.values.exact && !whole.values.exact) {
    expect(merged.values.distinct).toEqual(whole.values.distinct);
    const stored = new Map(merged.values.frequent.counts);
    const error = merged.values.frequent.maxError;
    expect(error).toBeLessThanOrEqual(merged.values.n / (merged.options.heavyHitterCapacity + 1));
    const violations = [...trueCounts(values)].filter(([value, truth]) => {
      const estimate = stored.get(value) ?? 0;
      return estimate > truth || truth > estimate + error;
    });
    expect(violations).toEqual([]);
  }
  expect(merged.numeric === undefined).toBe(whole.numeric === undefined);
  if (merged.numeric && whole.numeric) {
    const [m, w] = [merged.numeric.moments, whole.numeric.moments];
    expect([m.count, m.min, m.max]).toEqual([w.count, w.min, w.max]);
    expect(relativeDifference(m.mean, w.mean)).toBeLessThan(1e-9);
    expect(relativeDifference(m.sum, w.sum)).toBeLessThan(1e-9);
    expect(relativeDifference(m.m2, w.m2)).toBeLessThan(1e-9);
    expect(relativeDifference(merged.numeric.variance, whole.numeric.variance)).toBeLessThan(1e-9);
    const finite = (values.filter((v) => typeof v === 'number' && Number.isFinite(v)) as number[]).sort((a, b) => a - b);
    const profiler = profileFromJSON(merged);
    const bound = kllRankErrorBound(merged.options.quantileK);
    for (let i = 1; i < 100; i++) {
      const x = finite[Math.floor((i / 100) * finite.length)]!;
      expect(Math.abs(profiler.cdf(x) - exactCdf(finite, x))).toBeLessThan(bound);
    }
    expect(merged.numeric.histogram.counts.reduce((a, b) => a + b, 0)).toBe(finite.length);
  }
}

/** Replaces a share of values by null or NaN, both missing. */
function withNulls(values: readonly number[], share: number, seed: number): Array<number | null> {
  const uniform = createRandom(seed);
  return values.map((x) => {
    const draw = uniform();
    return draw < share / 2 ? null : draw < share ? NaN : x;
  });
}

describe('column profile: merging chunks equals profiling the whole', () => {
  it.each([
    ['normal', normalValues(200_000, 31, 50, 10) as ColumnValue[]],
    ['log-normal (skewed)', logNormalValues(200_000, 32) as ColumnValue[]],
    ['normal with 20% nulls and NaN', withNulls(normalValues(100_000, 33), 0.2, 34)],
    ['constant', new Array<ColumnValue>(50_000).fill(42)],
    ['integer codes (few distinct)', normalValues(100_000, 35).map((x) => Math.round(x * 3)) as ColumnValue[]],
  ])('numeric: %s', (_name, values) => {
    const whole = profileOf(values);
    expect(whole.kind).toBe('numeric');
    expectMergedMatchesWhole(profileByChunks(values, 30, 36), whole, values);
  });

  it.each([
    ['few categories', zipfCategories(100_000, 8, 41) as ColumnValue[]],
    ['few categories with nulls', zipfCategories(100_000, 30, 42).map((c, i) => (i % 7 === 0 ? null : c))],
    ['many categories (past the exact limit)', zipfCategories(200_000, 50_000, 43) as ColumnValue[]],
    ['booleans', normalValues(10_000, 44).map((x) => x > 0) as ColumnValue[]],
  ])('categorical: %s', (_name, values) => {
    const whole = profileOf(values);
    expect(whole.kind).toBe('categorical');
    expect(whole.numeric).toBeUndefined();
    expectMergedMatchesWhole(profileByChunks(values, 30, 45), whole, values);
  });

  it('auto kind: a chunk with a string makes the merged column categorical, as for the whole', () => {
    const values: ColumnValue[] = [...normalValues(5_000, 46).map(Math.round), 'unknown', ...normalValues(5_000, 47).map(Math.round)];
    const whole = profileOf(values);
    expect(whole.kind).toBe('categorical');
    expectMergedMatchesWhole(profileByChunks(values, 10, 48), whole, values);
    expect(whole.values.exact && whole.values.counts.find(([value]) => value === 'unknown')).toEqual(['unknown', 1]);
  });
});

describe('column profile: content', () => {
  it('profiles a numeric column with exact summaries while small', () => {
    const profile = profileOf([3, 1, null, 2, NaN, 2, -Infinity]);
    expect(profile).toMatchObject({
      version: 1,
      kind: 'numeric',
      count: 7,
      nullCount: 2,
      invalidCount: 0,
      infiniteCount: 1,
      distinctCount: 3,
      distinctExact: true,
      topValues: [{ value: 2, count: 2 }, { value: 1, count: 1 }, { value: 3, count: 1 }],
      values: { exact: true, n: 4, counts: [[2, 2], [1, 1], [3, 1]] },
      numeric: { moments: { count: 4, sum: 8, mean: 2, min: 1, max: 3 }, variance: 2 / 3 },
    });
    expect(profile.numeric!.percentiles).toMatchObject({ p1: 1, p50: 2, p99: 3 });
    expect(profile.numeric!.histogram.edges).toHaveLength(21);
    expect(profile.numeric!.histogram.counts.reduce((a, b) => a + b)).toBe(4);
  });

  it('profiles a constant column with one histogram bin and zero variance', () => {
    const profile = profileOf(new Array<number>(1000).fill(7.5));
    expect(profile.numeric).toMatchObject({ variance: 0, stdDev: 0, histogram: { edges: [7.5, 7.5], counts: [1000] } });
    expect(profile.numeric!.percentiles.p5).toBe(7.5);
    expect(profile.distinctCount).toBe(1);
  });

  it('counts non-numbers in a declared numeric column as invalid, and keeps declared categoricals categorical', () => {
    const numeric = profileOf([1, 'n/a', 2, true, null], { kind: 'numeric' });
    expect(numeric).toMatchObject({ kind: 'numeric', count: 5, nullCount: 1, invalidCount: 2, distinctCount: 2 });
    const categorical = profileOf([1, 2, 2, null, '2'], { kind: 'categorical' });
    expect(categorical).toMatchObject({ kind: 'categorical', distinctCount: 3, topValues: [{ value: 2, count: 2 }, { value: 1, count: 1 }, { value: '2', count: 1 }] });
    expect(categorical.numeric).toBeUndefined();
  });

  it('lists the true heavy hitters of a high-cardinality column and estimates its distinct count within 3%', () => {
    const values = zipfCategories(300_000, 100_000, 51);
    const profile = profileOf(values);
    const counts = trueCounts(values);
    const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 20);
    expect(profile.distinctExact).toBe(false);
    expect(Math.abs(profile.distinctCount / counts.size - 1)).toBeLessThan(0.03);
    expect(profile.topValues.map(({ value }) => value)).toEqual(top.map(([value]) => value));
  });

  it('gives category counts for chi-squared: exact below the limit, bounded above it', () => {
    const few = createColumnProfiler();
    few.addAll(['a', 'b', 'a', null]);
    expect(few.categoryCounts()).toEqual({ exact: true, counts: [['a', 2], ['b', 1]], maxError: 0, otherCount: 0, total: 3 });
    const many = createColumnProfiler({ exactLimit: 10, heavyHitterCapacity: 5 });
    many.addAll(zipfCategories(10_000, 100, 52));
    const counts = many.categoryCounts();
    expect(counts.exact).toBe(false);
    expect(counts.counts.length).toBeLessThanOrEqual(5);
    expect(counts.otherCount + counts.counts.reduce((sum, [, count]) => sum + count, 0)).toBe(10_000);
    expect(counts.maxError).toBeLessThanOrEqual(10_000 / 6);
  });

  it('answers quantile, CDF, weighted-value and bin queries the same live and after loading', () => {
    const profiler = createColumnProfiler();
    profiler.addAll(logNormalValues(50_000, 53));
    const loaded = profileFromJSON(JSON.parse(JSON.stringify(profiler)));
    for (const q of [0.01, 0.25, 0.5, 0.9, 0.999]) expect(loaded.quantile(q)).toBe(profiler.quantile(q));
    for (const x of [0.1, 1, 3]) expect(loaded.cdf(x)).toBe(profiler.cdf(x));
    expect(loaded.weightedValues()).toEqual(profiler.weightedValues());
    expect(loaded.binCounts([-Infinity, 1, Infinity])).toEqual(profiler.binCounts([-Infinity, 1, Infinity]));
    expect(Math.abs(loaded.binCounts([-Infinity, 1, Infinity])![0]! / 50_000 - 0.5)).toBeLessThan(0.02);
    const categorical = createColumnProfiler();
    categorical.add('x');
    expect(categorical.quantile(0.5)).toBeNaN();
    expect(categorical.weightedValues()).toBeUndefined();
  });
});

describe('column profile: JSON', () => {
  it('round-trips through JSON text unchanged, and the loaded profile keeps merging', () => {
    const values = zipfCategories(20_000, 3_000, 61);
    const left = profileOf(values.slice(0, 10_000));
    const text = JSON.stringify(left);
    const loaded = profileFromJSON(JSON.parse(text));
    expect(JSON.stringify(loaded)).toBe(text);
    loaded.addAll(values.slice(10_000));
    expectMergedMatchesWhole(loaded.toJSON(), profileOf(values), values);
  });

  it('merges live profilers and stored profiles alike, without changing the inputs', () => {
    const a = createColumnProfiler();
    a.addAll([1, 2, 3]);
    const b = profileOf([4, null]);
    const before = JSON.stringify([a, b]);
    const merged = mergeProfiles(a, b);
    expect(JSON.stringify([a, b])).toBe(before);
    expect(merged).toMatchObject({ count: 5, nullCount: 1, numeric: { moments: { count: 4, sum: 10, min: 1, max: 4 } } });
    expect(mergeProfiles(b, a)).toMatchObject({ count: 5, numeric: { moments: { mean: 2.5 } } });
    expect(mergeProfiles(profileOf([]), profileOf([]))).toEqual(profileOf([]));
    a.merge(a);
    expect(a.toJSON()).toMatchObject({ count: 6, numeric: { moments: { count: 6, sum: 12 } } });
  });

  it('stays under 200 KB for 2e6 values, numeric or high-cardinality categorical', () => {
    const next = createRandom(71);
    const numeric = createColumnProfiler();
    for (let i = 0; i < 2_000_000; i++) numeric.add(next() * 1000 - 500);
    const numericSize = JSON.stringify(numeric).length;
    const categorical = createColumnProfiler();
    for (let i = 0; i < 2_000_000; i++) categorical.add(`user-${Math.floor(next() * 1e7)}`);
    const categoricalSize = JSON.stringify(categorical).length;
    expect(numericSize).toBeLessThan(200_000);
    expect(categoricalSize).toBeLessThan(200_000);
    expect(numeric.weightedValues()!.values.length).toBeLessThan(1000);
  });

  function caught(action: () => unknown): unknown {
    try {
      action();
    } catch (error) {
      return error;
    }
    throw new Error('expected an error');
  }

  it.each([
    ['a newer version', (p: ColumnProfile) => ({ ...p, version: 2 }), /unsupported version 2/],
    ['not an object', () => 'profile', /must be object/],
    ['a missing field', ({ values: _values, ...rest }: ColumnProfile) => rest, /values/],
    ['counts that do not add up', (p: ColumnProfile) => ({ ...p, nullCount: p.nullCount + 1 }), /values.n: must equal/],
    ['a sketch weight mismatch', (p: ColumnProfile) => ({ ...p, numeric: { ...p.numeric!, sketch: { ...p.numeric!.sketch, n: 1 } } }), /numeric.sketch/],
    ['a numeric part in a categorical', (p: ColumnProfile) => ({ ...p, kind: 'categorical' }), /numeric: must be present exactly/],
    ['a bad option', (p: ColumnProfile) => ({ ...p, options: { ...p.options, hllPrecision: 40 } }), /options.hllPrecision/],
  ])('rejects %s with MLSHIP_E_PROFILE_INVALID', (_name, corrupt, message) => {
    const good = JSON.parse(JSON.stringify(profileOf([1, 2, 3, null]))) as ColumnProfile;
    const error = caught(() => profileFromJSON(corrupt(good)));
    expect(isMlshipError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'MLSHIP_E_PROFILE_INVALID', exitCode: 2, message });
  });

  it('rejects merging profiles built with different sketch options, and bad options', () => {
    const error = caught(() => mergeProfiles(profileOf([1]), profileOf([1], { quantileK: 100 })));
    expect(error).toMatchObject({ code: 'MLSHIP_E_PROFILE_INCOMPATIBLE', message: /quantileK 200 and 100/ });
    expect(mergeProfiles(profileOf([1], { topK: 3 }), profileOf([2]))).toMatchObject({ count: 2, options: { topK: 3 } });
    expect(caught(() => createColumnProfiler({ quantileK: 2 }))).toMatchObject({ code: 'MLSHIP_E_USAGE', message: /quantileK/ });
    expect(caught(() => new ColumnProfiler({ kind: 'text' as 'numeric' }))).toMatchObject({ code: 'MLSHIP_E_USAGE' });
  });
});

describe('personal data in profiles', () => {
  it('writes flagged values as placeholders with their counts added up, exact and sketched, and counts them by kind', () => {
    for (const exactLimit of [1000, 10]) {
      const profiler = new ColumnProfiler({ exactLimit, heavyHitterCapacity: 20 });
      for (let i = 0; i < 300; i += 1) profiler.add(i % 3 === 0 ? `write to user${i % 30}@example.org` : ['red', 'green'][i % 2]!);
      const profile = profiler.toJSON();
      const text = JSON.stringify(profile);
      expect(text).not.toMatch(/example\.org/);
      expect(profile.topValues[0]).toEqual({ value: '<email>', count: exactLimit === 1000 ? 100 : expect.any(Number) });
      if (exactLimit === 1000) expect(profile.pii).toEqual({ email: 100 });
      expect(profiler.categoryCounts().counts.map(([value]) => value)).toContain('<email>');
    }
  });

  it('writes a numeric column of card numbers without its numeric part (bounds, sketch, percentiles would be the numbers)', () => {
    const profiler = new ColumnProfiler();
    profiler.addAll([4012888888881881, 4111111111111111, 5500000000000004]);
    const profile = profiler.toJSON();
    expect(profile.kind).toBe('categorical');
    expect(profile.numeric).toBeUndefined();
    expect(profile.pii).toEqual({ card_number: 3 });
    expect(JSON.stringify(profile)).not.toMatch(/4012888888881881|4111111111111111|5500000000000004/);
    expect(new ColumnProfiler().toJSON().kind).toBe('numeric');
  });
});
