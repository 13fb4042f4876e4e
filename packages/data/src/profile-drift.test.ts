import { columnDrift } from './drift/index.js';
import { profileTable, type TableProfile } from './profile/index.js';
import { normalValues, zipfCategories } from '../test/distributions.js';
import { driftOfProfiles } from './profile-drift.js';
import { FILE_PROFILE_QUANTILE_K } from './profile-file.js';

const round2 = (values: number[]) => values.map((value) => Math.round(value * 100) / 100);

/** A table of columns given as arrays, profiled as `data drift` profiles files. */
function profileOf(columns: Record<string, Array<number | string | null>>): Promise<TableProfile> {
  const names = Object.keys(columns);
  const length = columns[names[0]!]!.length;
  const rows = Array.from({ length }, (_, i) => names.map((name) => columns[name]![i]!));
  return profileTable([{ columns: names, rows }], { quantileK: FILE_PROFILE_QUANTILE_K });
}

describe('driftOfProfiles', () => {
  it('equals the test on raw values when the reference is small (exact sketches)', async () => {
    const reference = { x: round2(normalValues(800, 1, 10, 2)), city: zipfCategories(800, 6, 2) };
    const current = { x: round2(normalValues(900, 3, 10.4, 2)), city: zipfCategories(900, 6, 4, 1.4) };
    const report = driftOfProfiles(await profileOf(reference), await profileOf(current));
    const [x, city] = report.columns;
    const rawX = columnDrift({ kind: 'numeric', reference: reference.x, current: current.x });
    const rawCity = columnDrift({ kind: 'categorical', reference: countsOf(reference.city), current: countsOf(current.city) });
    expect(x).toMatchObject({ column: 'x', kind: 'numeric', exact: true, method: 'ks' });
    expect(x!.score).toBe(rawX.score);
    expect(x!.psi).toBe(rawX.psi);
    expect(x!.drifted).toBe(true);
    expect(city).toMatchObject({ column: 'city', kind: 'categorical', exact: true, method: 'chisquare', score: rawCity.score, psi: rawCity.psi });
    expect(report.dataset.columnCount).toBe(2);
  });

  it('keeps a KS test on sketches conservative: D is reported, p comes from D less the sketch error', async () => {
    // Same distribution on both sides, 100k values each: the exact KS rarely flags it, and the sketch
    // (rank error about 0.35% a side) must not turn its estimation error into drift.
    const reference = round2(normalValues(100_000, 21, 0, 1));
    const steady = round2(normalValues(100_000, 22, 0, 1));
    const shifted = round2(normalValues(100_000, 23, 0.05, 1));
    const report = driftOfProfiles(await profileOf({ steady: reference, shifted: reference }), await profileOf({ steady, shifted }), { methods: { '*': 'ks' } });
    const [same, moved] = report.columns;
    expect(same).toMatchObject({ exact: false, method: 'ks', drifted: false });
    const rawSame = columnDrift({ kind: 'numeric', reference, current: steady, method: 'ks' });
    expect(Math.abs(same!.statistic! - rawSame.statistic!)).toBeLessThan(0.004); // the estimate of D itself
    expect(same!.score!).toBeGreaterThanOrEqual(rawSame.score!); // never more alarming than the exact test
    const rawMoved = columnDrift({ kind: 'numeric', reference, current: shifted, method: 'ks' });
    expect(rawMoved.drifted).toBe(true);
    expect(moved).toMatchObject({ method: 'ks', drifted: true }); // a real shift (D ≈ 0.02) still shows
  });

  it('estimates the large-reference distances within a few percent of the raw values', async () => {
    const reference = round2(normalValues(60_000, 5, 0, 1));
    const shifted = round2(normalValues(50_000, 6, 0.15, 1));
    const steady = round2(normalValues(50_000, 7, 0, 1));
    const fromProfiles = driftOfProfiles(await profileOf({ a: reference, b: reference }), await profileOf({ a: shifted, b: steady }));
    const [a, b] = fromProfiles.columns;
    const rawA = columnDrift({ kind: 'numeric', reference, current: shifted });
    const rawB = columnDrift({ kind: 'numeric', reference, current: steady });
    expect(a).toMatchObject({ method: 'wasserstein', exact: false, drifted: true });
    expect(b).toMatchObject({ method: 'wasserstein', exact: false, drifted: false });
    expect(Math.abs(a!.score! - rawA.score!)).toBeLessThan(0.02 * rawA.score!);
    expect(Math.abs(b!.score! - rawB.score!)).toBeLessThan(0.01);
    expect(Math.abs(a!.psi! - rawA.psi!)).toBeLessThan(0.1 * rawA.psi! + 0.002);
    expect(fromProfiles.dataset).toMatchObject({ drifted: true, driftedColumns: ['a'], driftedShare: 0.5 });
  });

  it('compares a column of many distinct strings through its sketched counts', async () => {
    const ids = (offset: number) => Array.from({ length: 5_000 }, (_, i) => `u${(i * 7 + offset) % 3_000}`);
    const report = driftOfProfiles(await profileOf({ user: ids(0) }), await profileOf({ user: ids(0) }));
    expect(report.columns[0]).toMatchObject({ kind: 'categorical', exact: false, method: 'jensenshannon', drifted: false });
    expect(report.columns[0]!.score).toBeLessThan(0.05);
  });

  it('applies per-column methods, thresholds, column choices and the drift share', async () => {
    const reference = await profileOf({ x: round2(normalValues(300, 1)), y: round2(normalValues(300, 2)), id: Array.from({ length: 300 }, (_, i) => i) });
    const current = await profileOf({ x: round2(normalValues(300, 3, 0.5)), y: round2(normalValues(300, 4)), id: Array.from({ length: 300 }, (_, i) => i) });
    const report = driftOfProfiles(reference, current, { methods: { '*': 'psi', y: 'wasserstein' }, thresholds: { x: 5 }, exclude: ['id'], share: 0.5 });
    expect(report.columns.map((column) => [column.column, column.method, column.threshold])).toEqual([
      ['x', 'psi', 5],
      ['y', 'wasserstein', 0.1],
    ]);
    expect(report.columns[0]!.drifted).toBe(false);
    expect(report.skipped).toEqual([{ column: 'id', reason: 'left out' }]);
    const only = driftOfProfiles(reference, current, { columns: ['x'] });
    expect(only.columns.map((column) => column.column)).toEqual(['x']);
    expect(only.dataset).toMatchObject({ drifted: true, columnCount: 1 });
  });

  it('skips columns one side lacks and compares mixed kinds as categories', async () => {
    const reference = await profileOf({ a: [1, 2, 3, 4], gone: [1, 1, 1, 1] });
    const current = await profileOf({ a: ['1', 'x', '3', '4'], added: [1, 2, 3, 4] });
    const report = driftOfProfiles(reference, current);
    expect(report.columns).toHaveLength(1);
    expect(report.columns[0]).toMatchObject({ column: 'a', kind: 'categorical' });
    expect(report.skipped).toEqual([
      { column: 'gone', reason: 'not in the current data' },
      { column: 'added', reason: 'not in the reference' },
    ]);
  });

  it('refuses unknown columns, methods that do not fit, and malformed profiles with coded errors', async () => {
    const profile = await profileOf({ city: ['a', 'b', 'a'] });
    expect(() => driftOfProfiles(profile, profile, { columns: ['nope'] })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_USAGE', message: expect.stringMatching(/nope/) }));
    expect(() => driftOfProfiles(profile, profile, { methods: { city: 'ks' } })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_USAGE' }));
    expect(() => driftOfProfiles({ version: 1, rowCount: 3, columns: { city: { version: 1 } } }, profile)).toThrow(expect.objectContaining({ code: 'MLSHIP_E_PROFILE_INVALID' }));
    expect(() => driftOfProfiles({ version: 2 }, profile)).toThrow(expect.objectContaining({ code: 'MLSHIP_E_PROFILE_INVALID' }));
  });
});

function countsOf(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
