import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { caught, makeTempDir, REPO_ROOT } from '@mlship/test-utils';
import { inspectTable } from './read-table.js';
import { fileWith, readAll } from '../../test/reader-helpers.js';

/** Fixtures written by packages/data/test/readers/make-parquet-fixtures.py (pyarrow). */
const FIXTURES = join(REPO_ROOT, 'packages', 'data', 'test', 'readers');
const fixture = (name: string) => join(FIXTURES, name);

describe('Parquet', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-parquet-'));
  });
  afterAll(() => cleanup());

  it('reads every type as a cell: exact bigints, ISO dates, nested values as JSON text, nulls', async () => {
    const table = await readAll(fixture('table.parquet'));
    expect(table.columns).toEqual(['id', 'score', 'name', 'flag', 'big', 'ts', 'day', 'tags', 'meta']);
    expect(table.rows).toHaveLength(7);
    expect(table.rows[0]).toEqual([1, 0.5, 'a', true, '1152921504606846976', '2024-01-02T03:04:05.000Z', '2024-02-29T00:00:00.000Z', '["x","y"]', '{"a":1,"b":"u"}']);
    expect(table.rows[1]).toEqual([2, null, 'b', false, 1, '2024-01-02T03:04:05.000Z', '2024-02-29T00:00:00.000Z', '[]', '{"a":1,"b":"u"}']);
    expect(table.rows[2]?.slice(2, 4)).toEqual([null, true]);
    expect(table.rows[2]?.[7]).toBeNull();
    expect(table.rows[4]?.[2]).toBe('é');
    expect(table.lines).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('fills batches across row groups (3 + 3 + 1 rows) to the batch size', async () => {
    const table = await readAll(fixture('table.parquet'), { batchSize: 2 });
    expect(table.batches.map((batch) => batch.rows.length)).toEqual([2, 2, 2, 1]);
    expect(table.batches.map((batch) => batch.lines)).toEqual([[1, 2], [3, 4], [5, 6], [7]]);
    expect(table.rows.map((row) => row[0])).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('reads gzip-compressed pages; zstd where Node has it, otherwise a coded refusal', async () => {
    expect((await readAll(fixture('gzip.parquet'))).rows).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    if ((zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync) {
      expect((await readAll(fixture('zstd.parquet'))).rows).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    } else {
      const error = await caught(readAll(fixture('zstd.parquet')));
      expect(error).toMatchObject({ code: 'MLSHIP_E_DATA_UNSUPPORTED', exitCode: 2 });
      expect(error.message).toMatch(/zstd\.parquet: Parquet compression ZSTD is not supported/);
    }
  });

  it('inspectTable reads the footer: columns and row count', async () => {
    expect(await inspectTable(fixture('table.parquet'))).toEqual({
      format: 'parquet',
      compressed: false,
      columns: ['id', 'score', 'name', 'flag', 'big', 'ts', 'day', 'tags', 'meta'],
      rowCount: 7,
    });
  });

  it('yields nothing for a schema without rows; inspectTable still has the columns', async () => {
    expect((await readAll(fixture('empty-rows.parquet'))).batches).toHaveLength(0);
    expect(await inspectTable(fixture('empty-rows.parquet'))).toMatchObject({ columns: ['id', 'name'], rowCount: 0 });
  });

  it('is detected by its magic bytes under another name, and refused when told to read it as CSV', async () => {
    const bytes = await readFile(fixture('gzip.parquet'));
    expect((await readAll(await fileWith(dir, 'export.bin', bytes))).rows).toHaveLength(3);
    const error = await caught(readAll(await fileWith(dir, 'mislabelled.csv', bytes)));
    expect(error).toMatchObject({ code: 'MLSHIP_E_DATA_INVALID', exitCode: 2 });
    expect(error.message).toMatch(/mislabelled\.csv: this is a Parquet file, not csv/);
  });

  it('refuses gzip around Parquet with a hint', async () => {
    const error = await caught(readAll(await fileWith(dir, 'wrapped.parquet.gz', gzipSync(await readFile(fixture('gzip.parquet'))))));
    expect(error).toMatchObject({ code: 'MLSHIP_E_DATA_UNSUPPORTED', exitCode: 2 });
    expect(error.hint).toMatch(/gunzip/);
  });
});
