import { readFile, stat, unlink, utimes, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { ErrorCode, ExitCode } from '@mlship/core';
import { writeBlob } from './blobs.js';
import { extractArtifact, openArtifactFile } from './files.js';
import { gcRegistry } from './gc.js';
import { readIndex } from './index-file.js';
import { blobPath, registryPaths } from './layout.js';
import { registerWriter } from './lock.js';
import { putArtifact } from './put.js';
import { resolveRef } from './resolve.js';
import { caught } from '@mlship/test-utils';
import { tempRegistry } from '../test/temp-registry.js';
import { verifyRegistry } from './verify.js';

async function flipByte(path: string, offset = 0): Promise<void> {
  const bytes = await readFile(path);
  bytes[offset] = bytes[offset]! ^ 0xff;
  await writeFile(path, bytes);
}

describe('verify, integrity and gc', () => {
  let root: string;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ root, dir, cleanup } = await tempRegistry());
  });
  afterEach(() => cleanup());

  const put = (name: string, content: string) =>
    putArtifact({ registry: root, kind: 'datasets', name, files: [{ name: 'data.csv', data: content }], git: null });

  it('passes a healthy store', async () => {
    await put('a', 'x,y\n1,2\n');
    await put('a', 'x,y\n3,4\n');
    const report = await verifyRegistry({ registry: root });
    expect(report).toMatchObject({ ok: true, problems: [], blobsChecked: 6, manifestsChecked: 2 });
  });

  it('names a flipped byte in a layer, and reading it fails instead of returning wrong bytes', async () => {
    const written = await put('a', 'a,b\n1,2\n');
    const layer = written.files[0]!.digest;
    await flipByte(blobPath(root, layer), 2);

    const report = await verifyRegistry({ registry: root });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ problem: 'corrupt-blob', digest: layer })]);

    const { stream } = await openArtifactFile(root, 'datasets/a:1', 'data.csv');
    const error = await caught(text(stream));
    expect(error.code).toBe(ErrorCode.integrity);
    expect(error.exitCode).toBe(ExitCode.runtime);

    const out = join(dir, 'out');
    expect((await caught(extractArtifact({ registry: root, ref: 'datasets/a', outDir: out }))).code).toBe(ErrorCode.integrity);
    expect(await readdir(out)).toEqual([]); // nothing, not even a temp file, was left behind
  });

  it('fails on a corrupt manifest or metadata blob with an integrity error', async () => {
    const written = await put('a', '1');
    await flipByte(blobPath(root, written.digest), 5);
    expect((await caught(resolveRef(root, 'datasets/a:1'))).code).toBe(ErrorCode.integrity);
    const report = await verifyRegistry({ registry: root });
    expect(report.problems.map((p) => [p.problem, p.digest])).toEqual([['corrupt-blob', written.digest]]);
  });

  it('names missing blobs with the version that needs them', async () => {
    const written = await put('a', 'gone');
    await unlink(blobPath(root, written.files[0]!.digest));
    const report = await verifyRegistry({ registry: root });
    expect(report.problems).toEqual([
      expect.objectContaining({ problem: 'missing-blob', digest: written.files[0]!.digest, ref: 'datasets/a:1' }),
    ]);
  });

  it('reports a truncated index.json as a coded error, and verify names it', async () => {
    await put('a', '1');
    const indexPath = registryPaths(root).index;
    const content = await readFile(indexPath, 'utf8');
    await writeFile(indexPath, content.slice(0, Math.floor(content.length / 2)));
    const error = await caught(readIndex(root));
    expect(error.code).toBe(ErrorCode.registryCorrupt);
    expect(error.exitCode).toBe(ExitCode.runtime);
    expect(error.hint).toContain('verify');
    const report = await verifyRegistry({ registry: root });
    expect(report.problems.map((p) => p.problem)).toEqual(['malformed-index']);
  });

  it('gc removes unreferenced blobs and stale temp files, and --dry-run removes nothing', async () => {
    const kept = await put('a', 'kept');
    const orphan = await writeBlob(root, Buffer.from('orphan'));
    const old = new Date(Date.now() - 60_000);
    await utimes(blobPath(root, orphan.digest), old, old); // gc keeps blobs younger than itself (a put may be starting)
    const temp = join(registryPaths(root).blobs, '.tmp-blob-123-abc');
    await writeFile(temp, 'half written');
    await utimes(temp, old, old);

    const dry = await gcRegistry({ registry: root, dryRun: true });
    expect(dry.removed.map((b) => b.digest)).toEqual([orphan.digest]);
    expect(await stat(blobPath(root, orphan.digest))).toBeTruthy();

    const report = await gcRegistry({ registry: root });
    expect(report).toMatchObject({ removed: [{ digest: orphan.digest, size: 6 }], bytesFreed: 6, tempFilesRemoved: 1 });
    await expect(stat(blobPath(root, orphan.digest))).rejects.toThrow();
    await expect(stat(temp)).rejects.toThrow();
    expect((await verifyRegistry({ registry: root })).ok).toBe(true);
    expect((await resolveRef(root, kept.ref)).digest).toBe(kept.digest);
  });

  it('gc keeps blobs written since a put in progress began', async () => {
    const unregister = await registerWriter(root);
    await new Promise((r) => setTimeout(r, 1100)); // blob mtimes come after the writer's start
    const pending = await writeBlob(root, Buffer.from('not yet committed'));
    const report = await gcRegistry({ registry: root });
    expect(report.removed).toEqual([]);
    expect(report.keptForWriters).toBe(1);
    await unregister();
    const old = new Date(Date.now() - 60_000);
    await utimes(blobPath(root, pending.digest), old, old);
    expect((await gcRegistry({ registry: root })).removed.map((b) => b.digest)).toEqual([pending.digest]);
  });

  it('heals a corrupt blob when the same content is stored again', async () => {
    const first = await put('a', 'same content');
    await flipByte(blobPath(root, first.files[0]!.digest));
    expect((await verifyRegistry({ registry: root })).ok).toBe(false);
    await put('a', 'same content');
    expect((await verifyRegistry({ registry: root })).ok).toBe(true);
  });
});
