import { appendFileSync } from 'node:fs';
import { chmod, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initRegistry, blobPath } from '@mlship/registry';
import { caught, makeTempDir } from '@mlship/test-utils';
import { buildLayer, layerCacheDir } from './layer.js';
import { readLayer } from '../../test/image-fixtures.js';

describe('buildLayer', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let registry: string;
  beforeEach(async () => {
    temp = await makeTempDir('mlship-layer-');
    registry = (await initRegistry({ dir: temp.dir })).registry;
  });
  afterEach(() => temp.cleanup());

  // Sorted by path, parents first: "opt/mlship-notes.txt" sorts between "opt/mlship" and its children.
  it('writes a sorted tar with implied directories, fixed modes, mtime 0 and root ownership', async () => {
    const script = join(temp.dir, 'run.sh');
    await writeFile(script, '#!/bin/sh\necho hi\n');
    await chmod(script, 0o775);
    const weights = join(temp.dir, 'model.onnx');
    await writeFile(weights, Buffer.alloc(300_000, 7));
    await chmod(weights, 0o600);
    const layer = await buildLayer({
      registry,
      entries: [
        { path: '/opt/mlship/model/model.onnx', source: { file: weights } },
        { path: 'opt/mlship/server/run.sh', source: { file: script } },
        { path: 'opt/mlship/package.json', source: { data: '{"private":true}\n' } },
        { path: 'opt/mlship-notes.txt', source: { data: Buffer.from('notes') }, mode: 0o640 },
      ],
    });
    expect(layer.descriptor.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    expect(layer.cached).toBe(false);
    const files = await readLayer(registry, layer.descriptor.digest);
    expect(files.map((f) => `${f.type} ${f.name} ${f.mode.toString(8)}`)).toEqual([
      'directory opt/ 755',
      'directory opt/mlship/ 755',
      'file opt/mlship-notes.txt 640',
      'directory opt/mlship/model/ 755',
      'file opt/mlship/model/model.onnx 644',
      'file opt/mlship/package.json 644',
      'directory opt/mlship/server/ 755',
      'file opt/mlship/server/run.sh 755',
    ]);
    for (const file of files) {
      expect([file.mtime, file.uid, file.gid, file.uname, file.gname]).toEqual([0, 0, 0, '', '']);
    }
    expect(files.find((f) => f.name.endsWith('model.onnx'))!.data.equals(Buffer.alloc(300_000, 7))).toBe(true);
    expect(layer.uncompressedSize).toBeGreaterThan(300_000);
    // The stored gzip has mtime 0 and the Unix OS byte in its header.
    const head = (await readFile(blobPath(registry, layer.descriptor.digest))).subarray(0, 10);
    expect([...head.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    expect(head[9]).toBe(3);
  });

  it('gives the same digest for the same inputs, a different one for other content, mode or mtime', async () => {
    const entries = (text: string, mode?: number) => [{ path: 'a/b.txt', source: { data: text }, ...(mode ? { mode } : {}) }];
    const cacheDir = join(temp.dir, 'no-cache');
    const first = await buildLayer({ registry, entries: entries('one'), cacheDir: join(cacheDir, '1') });
    const again = await buildLayer({ registry, entries: entries('one'), cacheDir: join(cacheDir, '2') });
    expect(again.cached).toBe(false);
    expect(again.descriptor.digest).toBe(first.descriptor.digest);
    expect(again.diffId).toBe(first.diffId);
    const other = await buildLayer({ registry, entries: entries('two'), cacheDir: join(cacheDir, '3') });
    const mode = await buildLayer({ registry, entries: entries('one', 0o600), cacheDir: join(cacheDir, '4') });
    const mtime = await buildLayer({ registry, entries: entries('one'), mtime: 1_700_000_000, cacheDir: join(cacheDir, '5') });
    expect(new Set([first, other, mode, mtime].map((layer) => layer.descriptor.digest)).size).toBe(4);
    expect((await readLayer(registry, mtime.descriptor.digest))[0]!.mtime).toBe(1_700_000_000);
  });

  it('reuses a cached layer without packing, and rebuilds when its blob is gone', async () => {
    const file = join(temp.dir, 'big.bin');
    await writeFile(file, Buffer.alloc(2_000_000, 1));
    const entries = [{ path: 'opt/big.bin', source: { file } }];
    const events: Array<{ cached: boolean; done: boolean }> = [];
    const first = await buildLayer({ registry, entries, name: 'runtime', onProgress: (e) => e.phase === 'layer' && events.push(e) });
    expect(events.at(-1)).toMatchObject({ done: true, cached: false });
    expect(await readdir(layerCacheDir(registry))).toHaveLength(1);
    expect(layerCacheDir(registry)).toBe(join(temp.dir, '.mlship', 'cache', 'layers'));
    events.length = 0;
    const second = await buildLayer({ registry, entries, name: 'runtime', onProgress: (e) => e.phase === 'layer' && events.push(e) });
    expect(second).toEqual({ ...first, cached: true });
    expect(events).toEqual([expect.objectContaining({ phase: 'layer', name: 'runtime', done: true, cached: true })]);
    await rm(blobPath(registry, first.descriptor.digest));
    const third = await buildLayer({ registry, entries });
    expect(third).toEqual({ ...first, cached: false });
    // A changed file misses the cache.
    await writeFile(file, Buffer.alloc(2_000_000, 2));
    expect((await buildLayer({ registry, entries })).descriptor.digest).not.toBe(first.descriptor.digest);
  });

  it('refuses bad paths, duplicates, file/directory clashes and missing files with coded errors', async () => {
    const bad = [
      [{ path: '../etc/passwd', source: { data: 'x' } }],
      [{ path: 'a//b', source: { data: 'x' } }],
      [{ path: 'a/./b', source: { data: 'x' } }],
      [{ path: 'a', source: { data: 'x' } }, { path: '/a', source: { data: 'y' } }],
      [{ path: 'a', source: { data: 'x' } }, { path: 'a/b', source: { data: 'y' } }],
      [{ path: 'a', source: { data: 'x' }, mode: 0o10000 }],
    ];
    for (const entries of bad) {
      const error = await caught(buildLayer({ registry, entries }));
      expect([error.code, error.exitCode]).toEqual(['MLSHIP_E_USAGE', 2]);
    }
    const missing = await caught(buildLayer({ registry, entries: [{ path: 'a', source: { file: join(temp.dir, 'nope') } }] }));
    expect(missing.code).toBe('MLSHIP_E_FILE_NOT_FOUND');
  });

  it('fails with a coded error and leaves no temp blob when a file grows while it is packed', async () => {
    const first = join(temp.dir, 'a.bin');
    const second = join(temp.dir, 'b.bin');
    await writeFile(first, Buffer.alloc(3_000_000, 1));
    await writeFile(second, Buffer.alloc(3_000_000, 2));
    let grown = false;
    const error = await caught(
      buildLayer({
        registry,
        entries: [
          { path: 'a.bin', source: { file: first } },
          { path: 'b.bin', source: { file: second } },
        ],
        onProgress: () => {
          if (grown) return;
          grown = true;
          appendFileSync(second, Buffer.alloc(2_000_000, 3));
        },
      }),
    );
    expect(grown).toBe(true);
    expect([error.code, error.exitCode]).toEqual(['MLSHIP_E_IO', 3]);
    expect(error.message).toContain('changed while the image layer was being built');
    expect((await readdir(join(registry, 'blobs', 'sha256'))).filter((name) => name.startsWith('.tmp'))).toEqual([]);
  });
});
