import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { createTarPack, openTarExtract, writeTarEntry } from './tar.js';

async function entriesOf(file: string, options: { maxBytes?: number } = {}): Promise<Array<{ name: string; type: string; data: string }>> {
  const entries: Array<{ name: string; type: string; data: string }> = [];
  for await (const entry of await openTarExtract(file, 'cannot read the test tar', options)) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as unknown as Readable) chunks.push(chunk as Buffer);
    entries.push({ name: entry.header.name, type: entry.header.type ?? 'file', data: Buffer.concat(chunks).toString('utf8') });
  }
  return entries;
}

describe('writeTarEntry', () => {
  it('writes bytes, streams (waiting for drain) and directories in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mlship-oci-tar-'));
    const file = join(dir, 'out.tar');
    const pack = createTarPack();
    const written = pipeline(pack as unknown as AsyncIterable<Buffer>, createWriteStream(file));
    const big = 'x'.repeat(1 << 20);
    const chunks = Array.from({ length: 8 }, () => Buffer.from(big));
    await writeTarEntry(pack, { name: 'dir/', type: 'directory', mtime: new Date(0) });
    await writeTarEntry(pack, { name: 'dir/small', size: 5, mtime: new Date(0) }, Buffer.from('hello'), written);
    await writeTarEntry(pack, { name: 'dir/big', size: 8 << 20, mtime: new Date(0) }, Readable.from(chunks), written);
    pack.finalize();
    await written;
    const entries = await entriesOf(file);
    expect(entries.map(({ name, type, data }) => [name, type, data.length])).toEqual([
      ['dir/', 'directory', 0],
      ['dir/small', 'file', 5],
      ['dir/big', 'file', 8 << 20],
    ]);
    expect(entries[1]!.data).toBe('hello');
  });

  it('stops waiting when the output fails, and fails with a failing content stream', async () => {
    const pack = createTarPack();
    const failing = new Writable({ highWaterMark: 1, write: (_chunk, _encoding, done) => done(new Error('disk full')) });
    const written = pipeline(pack as unknown as AsyncIterable<Buffer>, failing);
    written.catch(() => undefined);
    const endless = Readable.from((function* () {
      for (;;) yield Buffer.alloc(1 << 16);
    })());
    await expect(writeTarEntry(pack, { name: 'big', size: 1 << 30 }, endless, written)).rejects.toThrow('disk full');

    const other = createTarPack();
    const sink = pipeline(other as unknown as AsyncIterable<Buffer>, new Writable({ write: (_chunk, _encoding, done) => done() }));
    sink.catch(() => undefined);
    const broken = (async function* () {
      yield Buffer.from('part');
      throw new Error('source went away');
    })();
    await expect(writeTarEntry(other, { name: 'broken', size: 100 }, broken, sink)).rejects.toThrow('source went away');
  });
});

describe('openTarExtract', () => {
  it('reads plain and gzip tars, caps their uncompressed size, and names an unreadable file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mlship-oci-tar-'));
    const plain = join(dir, 'plain.tar');
    const pack = createTarPack();
    const written = pipeline(pack as unknown as AsyncIterable<Buffer>, createWriteStream(plain));
    await writeTarEntry(pack, { name: 'a.txt', size: 3 }, Buffer.from('abc'), written);
    pack.finalize();
    await written;
    const gzipped = join(dir, 'plain.tar.gz');
    await writeFile(gzipped, gzipSync(await readFile(plain)));
    for (const file of [plain, gzipped]) expect(await entriesOf(file)).toEqual([{ name: 'a.txt', type: 'file', data: 'abc' }]);
    await expect(entriesOf(gzipped, { maxBytes: 100 })).rejects.toMatchObject({ code: 'MLSHIP_E_ARCHIVE_UNSAFE', exitCode: 2 });
    await expect(openTarExtract(join(dir, 'missing.tar'), 'cannot read the test tar')).rejects.toMatchObject({ code: 'MLSHIP_E_FILE_NOT_FOUND' });
  });
});
