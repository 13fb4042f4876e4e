import { profileFromJSON } from './profile-json.js';
import { createTableProfiler, mergeTableProfiles, profileTable, type TableBatch, type TableProfile } from './table-profile.js';
import { createRandom } from './random.js';
import { normalValues, zipfCategories } from '../../test/distributions.js';
import type { ColumnValue } from './column-profile.js';

/** A seeded table: numeric "age" with nulls, categorical "city", integer "clicks", all-null "note". */
function tableRows(count: number, seed: number): ColumnValue[][] {
  const uniform = createRandom(seed);
  const ages = normalValues(count, seed + 1, 40, 12);
  const cities = zipfCategories(count, 40, seed + 2);
  return ages.map((age, i) => [uniform() < 0.1 ? null : Math.round(age), cities[i]!, Math.floor(uniform() * 100), null]);
}

const COLUMNS = ['age', 'city', 'clicks', 'note'];

async function* batchesOf(rows: ColumnValue[][], size: number, columns = COLUMNS): AsyncGenerator<TableBatch> {
  for (let start = 0; start < rows.length; start += size) yield { columns, rows: rows.slice(start, start + size) };
}

describe('profileTable', () => {
  it('profiles every column from streamed batches, inferring kinds', async () => {
    const rows = tableRows(20_000, 1);
    const profile = await profileTable(batchesOf(rows, 1_000));
    expect(profile.version).toBe(1);
    expect(profile.rowCount).toBe(20_000);
    expect(Object.keys(profile.columns)).toEqual(COLUMNS);
    expect(profile.columns.age).toMatchObject({ kind: 'numeric', count: 20_000, nullCount: rows.filter((r) => r[0] === null).length });
    expect(profile.columns.city).toMatchObject({ kind: 'categorical', distinctExact: true });
    expect(profile.columns.note).toMatchObject({ kind: 'numeric', count: 20_000, nullCount: 20_000, distinctCount: 0 });
    expect(Math.abs(profile.columns.age!.numeric!.moments.mean - 40)).toBeLessThan(0.5);
  });

  it('honours declared kinds per column and defaults for the rest', async () => {
    const rows = tableRows(1_000, 2);
    const profile = await profileTable(batchesOf(rows, 100), { kinds: { clicks: 'categorical' }, topK: 5 });
    expect(profile.columns.clicks).toMatchObject({ kind: 'categorical', options: { kind: 'categorical', topK: 5 } });
    expect(profile.columns.clicks!.topValues).toHaveLength(5);
    expect(profile.columns.age!.options.kind).toBe('auto');
  });

  it('counts a column missing from some batches as missing for their rows', async () => {
    const profiler = createTableProfiler();
    profiler.addBatch({ columns: ['a'], rows: [[1], [2]] });
    profiler.addBatch({ columns: ['b', 'a'], rows: [['x', 3], ['y']] });
    profiler.addBatch({ columns: ['a'], rows: [[4]] });
    const profile = profiler.toJSON();
    expect(profile.rowCount).toBe(5);
    expect(profile.columns.a).toMatchObject({ count: 5, nullCount: 1, numeric: { moments: { sum: 10 } } });
    expect(profile.columns.b).toMatchObject({ count: 5, nullCount: 3, kind: 'categorical', distinctCount: 2 });
  });

  it('rejects a batch that names a column twice', () => {
    expect(() => createTableProfiler().addBatch({ columns: ['a', 'a'], rows: [] })).toThrow(/appears twice/);
  });

  it('keeps odd column names as plain own keys', async () => {
    const profile = await profileTable([{ columns: ['__proto__', 'constructor'], rows: [[1, 'x']] }]);
    const parsed = JSON.parse(JSON.stringify(profile)) as TableProfile;
    expect(Object.keys(parsed.columns)).toEqual(['__proto__', 'constructor']);
    expect(mergeTableProfiles(parsed, parsed).columns['__proto__']).toMatchObject({ count: 2 });
  });
});

describe('mergeTableProfiles', () => {
  it('merges stored chunk profiles to the whole-table profile', async () => {
    const rows = tableRows(30_000, 3);
    const whole = await profileTable(batchesOf(rows, 2_000));
    const chunks = await Promise.all([rows.slice(0, 7_000), rows.slice(7_000, 21_000), rows.slice(21_000)].map((part) => profileTable(batchesOf(part, 2_000))));
    const stored = chunks.map((chunk) => JSON.parse(JSON.stringify(chunk)) as TableProfile);
    const merged = stored.reduce((a, b) => mergeTableProfiles(a, b));
    expect(merged.rowCount).toBe(whole.rowCount);
    for (const name of COLUMNS) {
      const [m, w] = [merged.columns[name]!, whole.columns[name]!];
      // Few distinct values: every count is exact, so all but floating-point sums and the sketch agree exactly.
      expect(m.values).toEqual(w.values);
      expect({ ...m, values: undefined, numeric: undefined }).toEqual({ ...w, values: undefined, numeric: undefined });
      if (w.numeric && w.numeric.moments.count > 0) {
        expect(m.numeric!.moments.count).toBe(w.numeric.moments.count);
        expect(m.numeric!.moments.mean).toBeCloseTo(w.numeric.moments.mean, 9);
        expect(m.numeric!.variance).toBeCloseTo(w.numeric.variance, 6);
        expect(Math.abs(profileFromJSON(m).quantile(0.5) - profileFromJSON(w).quantile(0.5))).toBeLessThanOrEqual(1);
      }
    }
  });

  it('treats a column present on one side only as missing on the other', async () => {
    const a = await profileTable([{ columns: ['x'], rows: [[1], [2]] }]);
    const b = await profileTable([{ columns: ['x', 'y'], rows: [[3, 'u']] }]);
    const merged = mergeTableProfiles(a, b);
    expect(merged.rowCount).toBe(3);
    expect(merged.columns.y).toMatchObject({ count: 3, nullCount: 2, kind: 'categorical' });
    expect(merged.columns.x).toMatchObject({ count: 3, nullCount: 0 });
  });

  it('rejects malformed table profiles with MLSHIP_E_PROFILE_INVALID', async () => {
    const good = await profileTable([{ columns: ['x'], rows: [[1]] }]);
    expect(() => mergeTableProfiles({ ...good, version: 2 as 1 }, good)).toThrow(expect.objectContaining({ code: 'MLSHIP_E_PROFILE_INVALID' }));
    expect(() => mergeTableProfiles({ ...good, rowCount: 5 }, good)).toThrow(/count 1 differs from rowCount 5/);
  });
});
