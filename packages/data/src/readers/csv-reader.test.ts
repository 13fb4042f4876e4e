import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { caught, makeTempDir, REPO_ROOT } from '@mlship/test-utils';
import { inspectTable, readTable } from './read-table.js';
import { fileWith, readAll } from '../../test/reader-helpers.js';

describe('CSV', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-csv-'));
  });
  afterAll(() => cleanup());

  it('reads examples/iris: 150 rows, 5 columns, in batches across batchSize boundaries', async () => {
    const iris = await readAll(join(REPO_ROOT, 'examples', 'iris', 'iris.csv'), { batchSize: 40 });
    expect(iris.columns).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
    expect(iris.batches.map((batch) => batch.rows.length)).toEqual([40, 40, 40, 30]);
    expect(iris.rows[0]).toEqual(['5.1', '3.5', '1.4', '0.2', 'setosa']);
    expect(iris.rows.every((row) => row.length === 5)).toBe(true);
    expect(iris.lines).toEqual(Array.from({ length: 150 }, (_, i) => i + 2));
  });

  it('follows RFC 4180: quoted delimiters, "" escapes, newlines inside quotes, BOM, CRLF', async () => {
    const path = await fileWith(dir, 'rfc.csv', '\uFEFFid,text,n\r\n1,"a, ""quoted"" word",3\r\n2,"two\r\nlines",\r\n3,"",5\r\n4,"x\ny\nz",6');
    const table = await readAll(path);
    expect(table.columns).toEqual(['id', 'text', 'n']);
    expect(table.rows).toEqual([
      ['1', 'a, "quoted" word', '3'],
      ['2', 'two\r\nlines', null],
      ['3', null, '5'],
      ['4', 'x\ny\nz', '6'],
    ]);
    expect(table.lines).toEqual([2, 3, 5, 6]);
  });

  it('keeps cells as text; an empty field, quoted or not, is null', async () => {
    const table = await readAll(await fileWith(dir, 'nulls.csv', 'a,b,c\n,"",x\n1.5,,true\n" ",NA,\n'));
    expect(table.rows).toEqual([
      [null, null, 'x'],
      ['1.5', null, 'true'],
      [' ', 'NA', null],
    ]);
  });

  it('skips blank lines and still reports the line where each row starts', async () => {
    const table = await readAll(await fileWith(dir, 'blank.csv', '\n\na,b\n\n1,2\n\n\n3,"x\n\ny"\n4,5\n\n'));
    expect(table.rows).toEqual([
      ['1', '2'],
      ['3', 'x\n\ny'],
      ['4', '5'],
    ]);
    expect(table.lines).toEqual([5, 8, 11]);
  });

  it('counts lines right when a quoted field spans many read chunks', async () => {
    const long = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\r\n'); // ~200 KB, 19,999 line breaks
    const table = await readAll(await fileWith(dir, 'long-field.csv', `id,text\n1,"${long}"\n2,after\n`), { batchSize: 1 });
    expect(table.rows[0]?.[1]).toBe(long);
    expect(table.lines).toEqual([2, 20_002]);
  });

  it('reads multi-byte characters split across read chunks, plain and gzip', async () => {
    const row = `${'€'.repeat(1000)},ü\n`; // 3003 bytes: chunk edges fall inside characters
    const csv = `a,b\n${row.repeat(100)}`;
    for (const [name, content] of [
      ['euro.csv', Buffer.from(csv)],
      ['euro.csv.gz', gzipSync(csv)],
    ] as const) {
      const table = await readAll(await fileWith(dir, name, content));
      expect(table.rows).toHaveLength(100);
      expect(table.rows.every(([a, b]) => a === '€'.repeat(1000) && b === 'ü')).toBe(true);
    }
  });

  it('keeps a quote inside an unquoted field as text, as spreadsheets do', async () => {
    expect((await readAll(await fileWith(dir, 'inch.csv', 'item,size\nscreen,27" wide\n'))).rows).toEqual([['screen', '27" wide']]);
  });

  it('reads ; | and tab delimiters: given, from .tsv, or detected with "auto"', async () => {
    expect((await readAll(await fileWith(dir, 'semi.csv', 'a;b\n1,5;2\n'), { delimiter: ';' })).rows).toEqual([['1,5', '2']]);
    expect((await readAll(await fileWith(dir, 'tabs.tsv', 'a\tb\n1\t2\n'))).rows).toEqual([['1', '2']]);
    expect((await readAll(await fileWith(dir, 'tabs.csv', 'a\tb\n1\t2\n'), { delimiter: '\\t' })).rows).toEqual([['1', '2']]);
    for (const [name, content, delimiter, columns] of [
      ['auto-semi.csv', '"x,y,z";b;c\n"1,2";3;4\n', ';', ['x,y,z', 'b', 'c']],
      ['auto-quoted.csv', '"x;y;z",b\n1,2\n', ',', ['x;y;z', 'b']],
      ['auto-tab.txt', 'a\tb\tc,d\n1\t2\t3,4\n', '\t', ['a', 'b', 'c,d']],
      ['auto-pipe.csv', 'a|b|c\n1|2|3\n', '|', ['a', 'b', 'c']],
      ['auto-one.csv', 'only\n1\n', ',', ['only']],
    ] as const) {
      const path = await fileWith(dir, name, content);
      expect(await inspectTable(path, { delimiter: 'auto' })).toEqual({ format: 'csv', compressed: false, columns, delimiter });
      expect((await readAll(path, { delimiter: 'auto' })).rows[0]).toHaveLength(columns.length);
    }
  });

  it('names blank header cells column_<n> and trims names; a repeated name is an error on the header line', async () => {
    expect((await readAll(await fileWith(dir, 'names.csv', ' a ,,c\n1,2,3\n'))).columns).toEqual(['a', 'column_2', 'c']);
    const error = await caught(readAll(await fileWith(dir, 'twice.csv', '\n\nx,y,x\n1,2,3\n')));
    expect(error).toMatchObject({ code: 'MLSHIP_E_DATA_INVALID', exitCode: 2 });
    expect(error.message).toMatch(/twice\.csv: line 3: the header names column "x" twice/);
  });

  it('reads gzip, told by the magic bytes whatever the name', async () => {
    const csv = 'a,b\n1,2\n3,"x\ny"\n';
    for (const name of ['z.csv.gz', 'z-no-suffix.csv']) {
      const path = await fileWith(dir, name, gzipSync(csv));
      expect(await readAll(path)).toMatchObject({ rows: [['1', '2'], ['3', 'x\ny']], lines: [2, 3] });
      expect((await inspectTable(path)).compressed).toBe(true);
    }
    // A .gz name on plain text is read as plain text.
    expect((await readAll(await fileWith(dir, 'plain.csv.gz', csv))).rows).toHaveLength(2);
  });

  it('inspectTable reads the header of a file with no rows', async () => {
    expect(await inspectTable(await fileWith(dir, 'header-only.csv', 'a,b,c\n'))).toEqual({ format: 'csv', compressed: false, columns: ['a', 'b', 'c'], delimiter: ',' });
  });

  it('closes the file when the consumer stops early', async () => {
    const path = await fileWith(dir, 'many.csv', `n\n${Array.from({ length: 50_000 }, (_, i) => i).join('\n')}\n`);
    const openFiles = async () => (await readdir('/proc/self/fd')).length; // Linux, where CI runs
    const before = await openFiles();
    const seen: number[] = [];
    for await (const batch of readTable(path, { batchSize: 100 })) {
      seen.push(batch.rows.length);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([100, 100]);
    expect(await openFiles()).toBe(before);
  });
});
