import { gzipSync } from 'node:zlib';
import { makeTempDir } from '@mlship/test-utils';
import { inspectTable } from './read-table.js';
import { fileWith, readAll } from '../../test/reader-helpers.js';

describe('JSON Lines', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-jsonl-'));
  });
  afterAll(() => cleanup());

  const lines = ['{"id":1,"name":"a","ok":true}', '', '{"name":"b","id":2,"extra":null}', '   ', '{"id":3,"nested":{"k":[1,2]},"list":["x"]}'];

  it('unions keys in order of first appearance; missing keys are null, nested values JSON text, blank lines skipped', async () => {
    const table = await readAll(await fileWith(dir, 'rows.jsonl', `${lines.join('\n')}\n`));
    expect(table.columns).toEqual(['id', 'name', 'ok', 'extra', 'nested', 'list']);
    expect(table.rows).toEqual([
      [1, 'a', true, null, null, null],
      [2, 'b', null, null, null, null],
      [3, null, null, null, '{"k":[1,2]}', '["x"]'],
    ]);
    expect(table.lines).toEqual([1, 3, 5]);
  });

  it('lists in each batch the columns seen so far; every row has one cell per column of its batch', async () => {
    const table = await readAll(await fileWith(dir, 'growing.ndjson', `${lines.join('\n')}\n`), { batchSize: 2 });
    expect(table.batches.map((batch) => batch.columns)).toEqual([
      ['id', 'name', 'ok', 'extra'],
      ['id', 'name', 'ok', 'extra', 'nested', 'list'],
    ]);
    for (const batch of table.batches) expect(batch.rows.every((row) => row.length === batch.columns.length)).toBe(true);
    expect(table.batches[0]?.rows[0]).toEqual([1, 'a', true, null]);
  });

  it('accepts CRLF line ends, a BOM, no final newline, and gzip', async () => {
    const text = '\uFEFF{"a":1}\r\n{"a":2}\r\n{"a":"3"}';
    for (const [name, content] of [
      ['crlf.jsonl', Buffer.from(text)],
      ['crlf.jsonl.gz', gzipSync(text)],
    ] as const) {
      const table = await readAll(await fileWith(dir, name, content));
      expect(table).toMatchObject({ columns: ['a'], rows: [[1], [2], ['3']], lines: [1, 2, 3] });
    }
  });

  it('reads lines longer than a read chunk', async () => {
    const long = 'ä'.repeat(150_000);
    const table = await readAll(await fileWith(dir, 'long.jsonl', `{"text":"${long}"}\n{"text":"short"}\n`));
    expect(table.rows).toEqual([[long], ['short']]);
    expect(table.lines).toEqual([1, 2]);
  });

  it('is detected from the first bytes when the extension says nothing', async () => {
    const path = await fileWith(dir, 'export.data', '{"a":1}\n');
    expect(await inspectTable(path)).toEqual({ format: 'jsonl', compressed: false, columns: ['a'] });
    expect((await readAll(path)).rows).toEqual([[1]]);
  });

  it('inspectTable gives the keys of the first object', async () => {
    expect(await inspectTable(await fileWith(dir, 'first.jsonl', '\n{"x":1,"y":2}\n{"z":3}\n'))).toEqual({ format: 'jsonl', compressed: false, columns: ['x', 'y'] });
  });
});
