import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { digestOf } from '@mlship/core';
import { initRegistry, writeBlob } from '@mlship/registry';
import { caught, makeTempDir } from '@mlship/test-utils';
import { canonicalBytes } from '@mlship/oci';
import { fetchBaseImage } from './base-image.js';
import { DiffIdTap } from './base-docker-archive.js';
import { baseConfig, plainTar } from '../../test/image-fixtures.js';

const AMD64 = { os: 'linux', architecture: 'amd64' };

async function tarOf(files: Array<{ name: string; data: Buffer | string }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const file of files) pack.entry({ name: file.name, mode: 0o644, mtime: new Date(0) }, file.data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('docker-archive bases', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir('mlship-docker-archive-');
  });
  afterAll(() => temp.cleanup());

  it('checks the diff_id of a gzip layer the store already holds', async () => {
    const registry = (await initRegistry({ dir: join(temp.dir, 'project') })).registry;
    const layer = gzipSync(await plainTar([{ name: 'etc/hello', data: 'hello\n' }]));
    await writeBlob(registry, layer); // stored before, e.g. from another base
    const wrong = digestOf(Buffer.from('not the layer'));
    const config = canonicalBytes(baseConfig(AMD64, [wrong]));
    const file = join(temp.dir, 'saved.tar');
    await writeFile(
      file,
      await tarOf([
        { name: `blobs/sha256/${digestOf(layer).slice(7)}`, data: layer },
        { name: `blobs/sha256/${digestOf(config).slice(7)}`, data: config },
        {
          name: 'manifest.json',
          data: JSON.stringify([{ Config: `blobs/sha256/${digestOf(config).slice(7)}`, RepoTags: ['localhost/base:1'], Layers: [`blobs/sha256/${digestOf(layer).slice(7)}`] }]),
        },
      ]),
    );
    const error = await caught(fetchBaseImage({ registry, base: `docker-archive:${file}`, platform: AMD64 }));
    expect([error.code, error.exitCode]).toEqual(['MLSHIP_E_INTEGRITY', 3]);
  });

  it('tells a gzip layer whose first chunk is shorter than its magic number', async () => {
    const layer = gzipSync(await plainTar([{ name: 'a', data: 'a\n' }]));
    const tap = new DiffIdTap();
    const passed: Buffer[] = [];
    const done = Readable.from([layer.subarray(0, 1), layer.subarray(1, 3), layer.subarray(3)], { objectMode: false }).pipe(tap);
    for await (const chunk of done) passed.push(chunk as Buffer);
    expect(tap.compression).toBe('gzip');
    expect(Buffer.concat(passed).equals(layer)).toBe(true);
    expect(tap.diffId(digestOf(layer))).toBe(digestOf(await plainTar([{ name: 'a', data: 'a\n' }])));
  });
});
