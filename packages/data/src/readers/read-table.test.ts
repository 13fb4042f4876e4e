import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { caught, makeTempDir, REPO_ROOT } from '@mlship/test-utils';
import { assertHasRows, readTable } from './read-table.js';
import { fileWith, readAll } from '../../test/reader-helpers.js';
import type { ReadTableOptions } from './types.js';

const PARQUET = join(REPO_ROOT, 'packages', 'data', 'test', 'readers', 'table.parquet');

/** Deterministic pseudo-random bytes. */
function noise(bytes: number, seed: string): Buffer {
  const blocks: Buffer[] = [];
  for (let block = createHash('sha256').update(seed).digest(); blocks.length * 32 < bytes; block = createHash('sha256').update(block).digest()) blocks.push(block);
  return Buffer.concat(blocks).subarray(0, bytes);
}

/** Writes a file from generated chunks, so large inputs never sit in memory. */
async function generate(path: string, chunks: () => Iterable<string | Buffer>): Promise<string> {
  await pipeline(Readable.from(chunks()), createWriteStream(path));
  return path;
}

describe('readTable', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-read-table-'));
  });
  afterAll(() => cleanup());

  it('streams a 200,000-row CSV in small batches', async () => {
    const path = await generate(join(dir, 'big.csv'), function* () {
      yield 'id,value,label\n';
      for (let i = 0; i < 200_000; i += 1) yield `${i},${(i * 0.5).toFixed(1)},"label ${i % 7}"\n`;
    });
    let rows = 0;
    let lastLine = 0;
    const sizes = new Set<number>();
    for await (const batch of readTable(path, { batchSize: 1000 })) {
      rows += batch.rows.length;
      sizes.add(batch.rows.length);
      lastLine = batch.lines.at(-1) ?? lastLine;
    }
    expect(rows).toBe(200_000);
    expect([...sizes]).toEqual([1000]);
    expect(lastLine).toBe(200_001);
  });

  it('yields nothing for a header without rows; assertHasRows refuses it', async () => {
    const path = await fileWith(dir, 'header-only.csv', 'a,b,c\r\n');
    expect((await readAll(path)).batches).toHaveLength(0);
    const drain = async (batches: AsyncIterable<unknown>) => {
      for await (const batch of batches) void batch;
    };
    const error = await caught(drain(assertHasRows(readTable(path), path)));
    expect(error).toMatchObject({ code: 'MLSHIP_E_DATA_EMPTY', exitCode: 2 });
    expect(error.message).toMatch(/header-only\.csv: a header but no data rows/);
    let rows = 0;
    for await (const batch of assertHasRows(readTable(join(REPO_ROOT, 'examples', 'iris', 'iris.csv')), 'iris.csv')) rows += batch.rows.length;
    expect(rows).toBe(150);
  });

  describe('bad input: a coded error naming the file and line, exit code 2', () => {
    const latin1 = Buffer.concat([Buffer.from('a,b\n1,2\n3,'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), noise(2000, 'png')]);
    const utf16 = Buffer.from('\uFEFFa,b\n1,2\n', 'utf16le');
    const deep = Buffer.concat([Buffer.from(`n\n${'12345\n'.repeat(30_000)}`), Buffer.from([0xc3, 0x28])]); // ~180 KB: past the first chunks
    it.each<[string, string | Buffer, RegExp, ReadTableOptions?]>([
      ['unterminated.csv', 'a,b\n1,2\n3,"open\n4,5\n', /line 3: unterminated quote/],
      ['unterminated-late.csv', 'a,b,c\n1,"x\ny","open\nmore\n', /line 3: unterminated quote/],
      ['unterminated-first.csv', 'a,b\n1,2\n\n\n"open,3\n', /line 5: unterminated quote/],
      ['ragged.csv', 'a,b\n1,2\n3,4,5\n', /line 3: ragged row: 3 fields where the header has 2/],
      ['ragged-multiline.csv', 'a,b\n1,2\n\n3,"x\ny",z\n', /line 4: ragged row/],
      ['ragged-short.csv', 'a,b\r\n1,2\r\n\r\n3\r\n', /line 4: ragged row: 1 fields where the header has 2/],
      ['latin1.csv', latin1, /line 3: invalid UTF-8/],
      ['deep.csv', deep, /line 30002: invalid UTF-8/],
      ['cut-character.csv', Buffer.concat([Buffer.from('a\n'), Buffer.from('€').subarray(0, 2)]), /line 2: invalid UTF-8: the file ends inside a character/],
      ['image.csv', png, /line 1: invalid UTF-8/],
      ['noise.csv', noise(4096, 'noise'), /: line \d+: (invalid UTF-8|a NUL byte)/],
      ['noise.jsonl', noise(4096, 'noise'), /: line \d+: (invalid UTF-8|a NUL byte)/],
      ['utf16.csv', utf16, /line 1: invalid UTF-8/],
      ['utf16-no-bom.csv', Buffer.from('a,b\n1,2\n', 'utf16le'), /line 1: a NUL byte/],
      ['bad.jsonl', '{"a":1}\n{"a":\n', /bad\.jsonl: line 2: malformed JSON/],
      ['cut.jsonl', '{"a":1}\n\n{"a":2', /line 3: malformed JSON/],
      ['array.jsonl', '{"a":1}\n\n[1,2]\n', /line 3: expected a JSON object, found an array/],
      ['latin1.jsonl', Buffer.concat([Buffer.from('{"a":1}\n{"a":"'), Buffer.from([0xe9]), Buffer.from('"}\n')]), /line 2: invalid UTF-8/],
      ['broken.csv.gz', Buffer.concat([gzipSync('a,b\n1,2\n'.repeat(100)).subarray(0, 30)]), /broken\.csv\.gz: corrupt or truncated gzip data/],
      ['junk.parquet', 'PAR1 this is not really a parquet file PAR1', /junk\.parquet: not a readable Parquet file/],
    ])('%s', async (name, content, message, options = {}) => {
      const path = await fileWith(dir, name, content);
      const error = await caught(readAll(path, options));
      expect(error).toMatchObject({ code: 'MLSHIP_E_DATA_INVALID', exitCode: 2 });
      expect(error.message).toContain(path);
      expect(error.message).toMatch(message);
      expect(error.hint).toBeTruthy();
    });

    it('a truncated or damaged Parquet file', async () => {
      const bytes = await readFile(PARQUET);
      const truncated = await caught(readAll(await fileWith(dir, 'truncated.parquet', bytes.subarray(0, bytes.length - 100))));
      expect(truncated).toMatchObject({ code: 'MLSHIP_E_DATA_INVALID', exitCode: 2 });
      expect(truncated.message).toMatch(/truncated\.parquet: not a readable Parquet file/);
      // Keep the footer, overwrite the data pages: the footer reads, the first row group does not.
      const footer = bytes.readUInt32LE(bytes.length - 8) + 8;
      const damaged = Buffer.concat([bytes.subarray(0, 4), Buffer.alloc(bytes.length - footer - 4, 0xff), bytes.subarray(bytes.length - footer)]);
      const error = await caught(readAll(await fileWith(dir, 'damaged.parquet', damaged)));
      expect(error).toMatchObject({ code: 'MLSHIP_E_DATA_INVALID', exitCode: 2 });
      expect(error.message).toMatch(/damaged\.parquet: row 1: cannot decode row group 1 \(rows 1\.\.3\)/);
    });

    it('a single line longer than maxFieldBytes, without buffering it (80 MiB, limit 1 MiB)', async () => {
      const megabyte = 'x'.repeat(1 << 20);
      for (const [name, head] of [
        ['one-line.csv', 'a,b\n'],
        ['one-line.jsonl', '{"a":1}\n{"a":"'],
      ]) {
        const path = await generate(join(dir, name!), function* () {
          yield head!;
          for (let i = 0; i < 80; i += 1) yield megabyte; // no newline, no delimiter
        });
        const baseline = process.memoryUsage();
        let peak = 0;
        const sampler = setInterval(() => {
          const now = process.memoryUsage();
          peak = Math.max(peak, now.heapUsed + now.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers);
        }, 1);
        const error = await caught(readAll(path, { maxFieldBytes: 1 << 20 })).finally(() => clearInterval(sampler));
        expect(error).toMatchObject({ code: 'MLSHIP_E_DATA_INVALID', exitCode: 2 });
        expect(error.message).toMatch(new RegExp(`${name}: line 2: a (field or row|line) longer than 1048576 bytes`));
        expect(peak).toBeLessThan(40 * 1024 * 1024); // the line is 80 MiB
      }
    });

    it('an empty file, and one with only blank lines', async () => {
      for (const [name, content] of [
        ['empty.csv', ''],
        ['empty.jsonl', ''],
        ['empty.parquet', ''],
        ['blank.csv', '\n\r\n\n'],
        ['blank.jsonl', '\n  \n'],
        ['empty.csv.gz', gzipSync('')],
      ] as const) {
        const error = await caught(readAll(await fileWith(dir, name, content)));
        expect(error).toMatchObject({ code: 'MLSHIP_E_DATA_EMPTY', exitCode: 2 });
        expect(error.message).toContain(name);
      }
    });

    it('a missing file and a directory', async () => {
      expect(await caught(readAll(join(dir, 'missing.csv')))).toMatchObject({ code: 'MLSHIP_E_FILE_NOT_FOUND', exitCode: 2 });
      await mkdir(join(dir, 'folder.csv'));
      const error = await caught(readAll(join(dir, 'folder.csv')));
      expect(error).toMatchObject({ code: 'MLSHIP_E_USAGE', exitCode: 2 });
      expect(error.message).toMatch(/folder\.csv is a directory/);
    });

    it('other compressions are refused with a hint', async () => {
      const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), noise(100, 'zip')]);
      const error = await caught(readAll(await fileWith(dir, 'data.csv.zip', zip)));
      expect(error).toMatchObject({ code: 'MLSHIP_E_DATA_UNSUPPORTED', exitCode: 2 });
      expect(error.message).toMatch(/zip-compressed input is not supported/);
    });

    it.each<[string, ReadTableOptions]>([
      ['batchSize', { batchSize: 0 }],
      ['maxFieldBytes', { maxFieldBytes: 1.5 }],
      ['delimiter', { delimiter: '"' }],
      ['format', { format: 'xlsx' as never }],
    ])('a bad %s option', async (_name, options) => {
      const error = await caught(readAll(join(REPO_ROOT, 'examples', 'iris', 'iris.csv'), options));
      expect(error).toMatchObject({ code: 'MLSHIP_E_USAGE', exitCode: 2 });
      expect(error.hint).toBeTruthy();
    });
  });
});
