import { isMlshipError } from '@mlship/core';
import { chooseDriftTest, isDrift } from './drift-plan.js';
import { datasetDrift } from './dataset-drift.js';

describe('chooseDriftTest: Evidently defaults', () => {
  test.each([
    ['numeric', 1000, 6, 'ks', 0.05],
    ['numeric', 1000, 5, 'chisquare', 0.05],
    ['numeric', 200, 3, 'chisquare', 0.05],
    ['numeric', 200, 2, 'z', 0.05],
    ['numeric', 200, 1, 'z', 0.05],
    ['categorical', 1000, 50, 'chisquare', 0.05],
    ['categorical', 10, 2, 'z', 0.05],
    ['numeric', 1001, 6, 'wasserstein', 0.1],
    ['numeric', 1001, 5, 'jensenshannon', 0.1],
    ['numeric', 5000, 2, 'jensenshannon', 0.1],
    ['categorical', 1001, 2, 'jensenshannon', 0.1],
    ['categorical', 10 ** 6, 300, 'jensenshannon', 0.1],
  ] as const)('%s, %d reference rows, %d distinct values → %s', (kind, referenceRows, distinctValues, method, threshold) => {
    expect(chooseDriftTest({ kind, referenceRows, distinctValues })).toEqual({ method, threshold });
  });

  test('a method override takes its own default threshold', () => {
    expect(chooseDriftTest({ kind: 'numeric', referenceRows: 100, distinctValues: 50, method: 'psi' })).toEqual({ method: 'psi', threshold: 0.1 });
  });

  test('a threshold override keeps the default method', () => {
    expect(chooseDriftTest({ kind: 'numeric', referenceRows: 100, distinctValues: 50, threshold: 0.01 })).toEqual({ method: 'ks', threshold: 0.01 });
  });

  test.each([
    [{ kind: 'categorical', method: 'ks' }, 'method'],
    [{ kind: 'categorical', method: 'wasserstein' }, 'method'],
    [{ kind: 'numeric', method: 'anova' }, 'method'],
    [{ kind: 'numeric', threshold: -0.1 }, 'threshold'],
    [{ kind: 'numeric', threshold: Number.NaN }, 'threshold'],
  ] as const)('rejects %p with a coded usage error', (override, option) => {
    let caught: unknown;
    try {
      chooseDriftTest({ referenceRows: 10, distinctValues: 10, ...(override as object) } as Parameters<typeof chooseDriftTest>[0]);
    } catch (error) {
      caught = error;
    }
    expect(isMlshipError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'MLSHIP_E_USAGE', exitCode: 2, details: { option } });
  });
});

describe('isDrift: Evidently comparisons', () => {
  test('ks drifts at p ≤ threshold, chisquare and z at p < threshold', () => {
    expect(isDrift('ks', 0.05, 0.05)).toBe(true);
    expect(isDrift('chisquare', 0.05, 0.05)).toBe(false);
    expect(isDrift('z', 0.05, 0.05)).toBe(false);
    expect(isDrift('z', 0.0499, 0.05)).toBe(true);
  });

  test('distances drift at score ≥ threshold', () => {
    for (const method of ['wasserstein', 'jensenshannon', 'psi'] as const) {
      expect(isDrift(method, 0.1, 0.1)).toBe(true);
      expect(isDrift(method, 0.0999, 0.1)).toBe(false);
    }
  });
});

describe('datasetDrift', () => {
  const columns = { a: { drifted: true }, b: { drifted: false }, c: { drifted: true }, d: { drifted: false } };

  test('drifts when at least the share of columns drifted', () => {
    expect(datasetDrift(columns)).toEqual({ drifted: true, share: 0.5, columnCount: 4, driftedColumns: ['a', 'c'], driftedShare: 0.5 });
    expect(datasetDrift(columns, 0.75).drifted).toBe(false);
  });

  test('takes a Map', () => {
    expect(datasetDrift(new Map(Object.entries(columns)), 0.5).driftedColumns).toEqual(['a', 'c']);
  });

  test('no columns: no drift', () => {
    expect(datasetDrift({})).toEqual({ drifted: false, share: 0.5, columnCount: 0, driftedColumns: [], driftedShare: 0 });
  });

  test.each([0, -1, 1.5, Number.NaN])('rejects share %p', (share) => {
    expect(() => datasetDrift(columns, share)).toThrow(/share/);
  });
});
