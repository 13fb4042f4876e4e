import { createWriteStream } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { ErrorCode, ExitCode, digestOf } from '@mlship/core';
import { exportArtifacts, importArchive } from './archive.js';
import { putArtifact } from './put.js';
import { listArtifacts, resolveRef } from './resolve.js';
import { caught } from '@mlship/test-utils';
import { tempRegistry } from '../test/temp-registry.js';
import { verifyRegistry } from './verify.js';

type Entry = { name: string; content?: string; type?: 'file' | 'symlink' | 'link' | 'directory' | 'fifo'; linkname?: string };

async function writeTar(path: string, entries: Entry[], gzip = false): Promise<void> {
  const pack = tar.pack();
  for (const entry of entries) {
    if (entry.type && entry.type !== 'file') pack.entry({ name: entry.name, type: entry.type, linkname: entry.linkname });
    else pack.entry({ name: entry.name }, entry.content ?? '');
  }
  pack.finalize();
  const streams: NodeJS.ReadWriteStream[] = gzip ? [createGzip()] : [];
  await pipeline(pack as unknown as AsyncIterable<Buffer>, ...(streams as []), createWriteStream(path));
}

describe('export and import', () => {
  let a: Awaited<ReturnType<typeof tempRegistry>>;
  let b: Awaited<ReturnType<typeof tempRegistry>>;
  beforeEach(async () => {
    a = await tempRegistry();
    b = await tempRegistry();
  });
  afterEach(async () => {
    await a.cleanup();
    await b.cleanup();
  });

  it('moves versions between registries with digests, files and lineage intact', async () => {
    const data = await putArtifact({ registry: a.root, kind: 'datasets', name: 'iris', files: [{ name: 'iris.csv', data: 'x\n1\n' }], git: null });
    const model = await putArtifact({
      registry: a.root,
      kind: 'models',
      name: 'iris',
      files: [{ name: 'model.onnx', data: Buffer.alloc(100_000, 9) }],
      parents: [data.ref],
      git: null,
    });
    const tarball = join(a.dir, 'out.tar');
    const exported = await exportArtifacts({ registry: a.root, refs: ['models/iris', 'datasets/iris:1'], out: tarball });
    expect(exported).toMatchObject({ refs: ['models/iris:1', 'datasets/iris:1'], blobs: 6 });

    const imported = await importArchive({ registry: b.root, file: tarball });
    expect(imported.added.sort()).toEqual(['datasets/iris:1', 'models/iris:1']);
    const copy = await resolveRef(b.root, 'models/iris:1');
    expect(copy.digest).toBe(model.digest);
    expect(copy.metadata.parents).toEqual([{ ref: 'datasets/iris:1', digest: data.digest }]);
    expect((await verifyRegistry({ registry: b.root })).ok).toBe(true);

    const again = await importArchive({ registry: b.root, file: tarball });
    expect(again).toMatchObject({ added: [], present: expect.arrayContaining(['models/iris:1', 'datasets/iris:1']) });
  });

  it('refuses to import a version number that holds other content here', async () => {
    await putArtifact({ registry: a.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'a' }], git: null });
    await putArtifact({ registry: b.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'b' }], git: null });
    const tarball = join(a.dir, 'm.tar');
    await exportArtifacts({ registry: a.root, refs: ['models/m:1'], out: tarball });
    const error = await caught(importArchive({ registry: b.root, file: tarball }));
    expect(error.code).toBe(ErrorCode.conflict);
    expect((await listArtifacts(b.root)).map((r) => r.ref)).toEqual(['models/m:1']);
  });

  it('reads gzip-compressed layouts', async () => {
    await putArtifact({ registry: a.root, kind: 'models', name: 'z', files: [{ name: 'f', data: 'zip' }], git: null });
    const plain = join(a.dir, 'z.tar');
    await exportArtifacts({ registry: a.root, refs: ['models/z'], out: plain });
    const gz = join(a.dir, 'z.tar.gz');
    await pipeline((await import('node:fs')).createReadStream(plain), createGzip(), createWriteStream(gz));
    expect((await importArchive({ registry: b.root, file: gz })).added).toEqual(['models/z:1']);
  });

  const layout = { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' };
  const index = { name: 'index.json', content: '{"schemaVersion":2,"manifests":[]}' };

  it.each<[string, Entry[]]>([
    ['a ".." path', [layout, { name: '../../evil.sh', content: 'x' }, index]],
    ['a ".." inside the path', [layout, { name: 'blobs/../../evil', content: 'x' }, index]],
    ['an absolute path', [layout, { name: '/etc/cron.d/evil', content: 'x' }, index]],
    ['a symlink out of the archive', [layout, { name: 'blobs/sha256/link', type: 'symlink', linkname: '/etc/passwd' }, index]],
    ['a relative symlink climbing out', [layout, { name: 'blobs/link', type: 'symlink', linkname: '../../../../etc/shadow' }, index]],
    ['a hard link out of the archive', [layout, { name: 'blobs/hard', type: 'link', linkname: '../outside' }, index]],
    ['a fifo', [layout, { name: 'blobs/pipe', type: 'fifo' }, index]],
  ])('refuses a tarball with %s and imports nothing', async (_what, entries) => {
    const file = join(a.dir, 'hostile.tar');
    await writeTar(file, entries);
    const error = await caught(importArchive({ registry: b.root, file }));
    expect(error.code).toBe(ErrorCode.unsafeArchive);
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(await listArtifacts(b.root)).toEqual([]);
    expect(await readdir(join(b.dir, '..'))).not.toContain('evil.sh');
  });

  it('refuses a blob whose content does not match its name', async () => {
    const file = join(a.dir, 'lying.tar');
    const wrong = digestOf('something else').slice(7);
    await writeTar(file, [layout, { name: `blobs/sha256/${wrong}`, content: 'payload' }, index]);
    const error = await caught(importArchive({ registry: b.root, file }));
    expect(error.code).toBe(ErrorCode.integrity);
  });

  it('refuses a tarball that is not an OCI layout, or not a tarball', async () => {
    const file = join(a.dir, 'plain.tar');
    await writeTar(file, [{ name: 'hello.txt', content: 'hi' }]);
    expect((await caught(importArchive({ registry: b.root, file }))).message).toContain('not an OCI image layout');
    const junk = join(a.dir, 'junk.tar');
    await (await import('node:fs/promises')).writeFile(junk, 'this is not a tar file at all'.repeat(40));
    expect((await caught(importArchive({ registry: b.root, file: junk }))).code).toBe(ErrorCode.usage);
    expect((await caught(importArchive({ registry: b.root, file: join(a.dir, 'missing.tar') }))).code).toBe(ErrorCode.fileNotFound);
  });

  it('refuses an archive whose index names blobs it lacks', async () => {
    await putArtifact({ registry: a.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'a' }], git: null });
    const full = join(a.dir, 'full.tar');
    await exportArtifacts({ registry: a.root, refs: ['models/m:1'], out: full });
    // Rebuild it without the layer blob.
    const extract = tar.extract();
    const kept: Entry[] = [];
    const layerDigest = (await resolveRef(a.root, 'models/m:1')).files[0]!.digest.slice(7);
    (await import('node:fs')).createReadStream(full).pipe(extract as unknown as NodeJS.WritableStream);
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (!entry.header.name.endsWith(layerDigest)) kept.push({ name: entry.header.name, content: Buffer.concat(chunks).toString('latin1') });
    }
    const partial = join(a.dir, 'partial.tar');
    await writeTar(partial, kept);
    const error = await caught(importArchive({ registry: b.root, file: partial }));
    expect(error.message).toContain('lacks blob');
    expect(await listArtifacts(b.root)).toEqual([]);
    expect(await readFile(full)).toBeTruthy();
  });
});
