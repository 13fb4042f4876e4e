import { makeTempDir } from '@mlship/test-utils';
import { cellAt, type ColumnBatch } from './column-batch.js';
import { readColumns, readTable } from './read-table.js';
import { hashRow } from './row-hash.js';
import { fileWith } from '../../test/reader-helpers.js';

async function columnsOf(file: string, options: Parameters<typeof readColumns>[1] = {}): Promise<ColumnBatch[]> {
  const batches: ColumnBatch[] = [];
  for await (const batch of readColumns(file, options)) batches.push(batch);
  return batches;
}

describe('column batches', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-columns-'));
  });
  afterAll(() => cleanup());

  it('parses numbers from the bytes exactly as Number() parses their text, and keeps what does not parse', async () => {
    const texts = ['0', '-0', '+5', '5.', '.5', '0.1', '-1.25', '123456789012345', '1234567890123456', '0.30000000000000004', '1e3', '-2.5E-3', ' 7 ', '3.14159265358979', '99999999999999.9'];
    const file = await fileWith(dir, 'numbers.csv', `x\n${texts.join('\n')}\nNA\n\nnull\n1,5\nabc\nInfinity\n0x10\n`.replace('\n1,5\n', '\n"1,5"\n'));
    const [batch] = await columnsOf(file, { modes: { x: 'number' } });
    const data = batch!.data[0]!;
    expect(data.kind).toBe('numbers');
    if (data.kind !== 'numbers') return;
    texts.forEach((text, row) => expect(Object.is(data.values[row], Number(text))).toBe(true));
    // NA and null are missing (NaN, not invalid); the blank line is skipped; the rest are invalid cells.
    const invalidRows = [...data.invalid.keys()];
    expect(invalidRows.map((row) => data.invalid.get(row))).toEqual(['1,5', 'abc', 'Infinity', '0x10']);
    expect(Number.isNaN(data.values[texts.length])).toBe(true);
    expect(data.invalid.has(texts.length)).toBe(false);
    expect(batch!.lines[texts.length]).toBe(texts.length + 2);
    expect(batch!.lines[texts.length + 1]).toBe(texts.length + 4); // after the blank line
  });

  it('reads integer columns strictly: a decimal point makes the cell invalid', async () => {
    const file = await fileWith(dir, 'ints.csv', 'n\n1\n-20\n1.0\n9007199254740993\n');
    const [batch] = await columnsOf(file, { modes: { n: 'integer' } });
    const data = batch!.data[0]!;
    if (data.kind !== 'numbers') throw new Error('expected numbers');
    expect(Array.from(data.values.subarray(0, 2))).toEqual([1, -20]);
    expect([...data.invalid.values()]).toEqual(['1.0', '9007199254740993']);
  });

  it('turns an auto column that is mostly not numbers into cells from the next batch on', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${i % 3 === 0 ? 'x' : 'y'}${i}`);
    const file = await fileWith(dir, 'auto.csv', `n,s\n${rows.join('\n')}\n`);
    const batches = await columnsOf(file, { batchSize: 10 });
    expect(batches.map((batch) => batch.data.map((data) => data.kind))).toEqual([
      ['numbers', 'numbers'],
      ['numbers', 'cells'],
      ['numbers', 'cells'],
    ]);
    expect(cellAt(batches[0]!.data[1]!, 1)).toBe('y1');
    expect(cellAt(batches[2]!.data[1]!, 0)).toBe('y20');
    expect(cellAt(batches[2]!.data[0]!, 9)).toBe(29);
  });

  it('hashes a row alike whether it comes quoted, with CRLF, unquoted or from JSON Lines', async () => {
    const plain = await fileWith(dir, 'plain.csv', 'a,b,c\nx y,"q""uote",\n1,2,3\n');
    const quoted = await fileWith(dir, 'quoted.csv', 'a,b,c\r\n"x y","q""uote",""\r\n"1",2,"3"\r\n');
    const jsonl = await fileWith(dir, 'rows.jsonl', '{"a":"x y","b":"q\\"uote","c":null}\n{"a":1,"b":2,"c":3}\n');
    const hashes = async (file: string) => (await columnsOf(file, { defaultMode: 'cells' })).flatMap((batch) => Array.from(batch.hashes));
    const expected = [hashRow(['x y', 'q"uote', null]), hashRow(['1', '2', '3'])];
    expect(await hashes(plain)).toEqual(expected);
    expect(await hashes(quoted)).toEqual(expected);
    expect(await hashes(jsonl)).toEqual(expected);
    expect(expected[0]).not.toBe(expected[1]);
  });

  it('reads records cut by chunk boundaries: the same cells as the row reader, over several MiB', async () => {
    // Quoted fields with line breaks and doubled quotes at every size, so some straddle the 1 MiB chunks.
    const rows: string[] = [];
    for (let i = 0, size = 0; size < 3.5 * 1024 * 1024; i += 1, size += rows[rows.length - 1]!.length + 1) {
      rows.push(`${i},"${'line\n'.repeat(i % 7)}say ""${i}""",${(i * 0.37).toFixed(2)}`);
    }
    const file = await fileWith(dir, 'big.csv', `id,text,value\n${rows.join('\n')}\n`);
    const cells: unknown[][] = [];
    for await (const batch of readTable(file)) cells.push(...batch.rows);
    const columns = await columnsOf(file);
    const fromColumns = columns.flatMap((batch) => Array.from({ length: batch.length }, (_, row) => batch.data.map((data) => cellAt(data, row))));
    expect(fromColumns.length).toBe(rows.length);
    expect(fromColumns.map((row) => [row[0], row[1], row[2]])).toEqual(cells.map((row) => [Number(row[0]), row[1], Number(row[2])]));
  });
});
