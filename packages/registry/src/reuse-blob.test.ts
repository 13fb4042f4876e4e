// Blobs a writer in progress reuses (a base image layer, a cached layer) are held for it: gc keeps them
// however old they are, until the writer ends, and the writer's record goes with it.
import { readdir, readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '@mlship/core';
import { readBlobHead, reuseBlob, writeBlob } from './blobs.js';
import { gcRegistry, removeUnreferencedBlobs } from './gc.js';
import { blobPath, registryPaths } from './layout.js';
import { holdBlobs, registerWriter } from './lock.js';
import { tempRegistry } from '../test/temp-registry.js';

describe('reusing stored blobs', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ root, cleanup } = await tempRegistry());
  });
  afterEach(() => cleanup());

  /** An unreferenced blob older than any writer: gc removes it unless it is held. */
  const oldOrphan = async (content: string): Promise<{ digest: Digest; size: number }> => {
    const blob = await writeBlob(root, Buffer.from(content));
    const old = new Date(Date.now() - 60_000);
    await utimes(blobPath(root, blob.digest), old, old);
    return blob;
  };
  const records = async () => (await readdir(registryPaths(root).writers).catch(() => [] as string[])).sort();

  it('keeps a reused blob while its writer is live, then lets gc remove it', async () => {
    const orphan = await oldOrphan('a base layer');
    const other = await oldOrphan('nobody wants this');
    const unregister = await registerWriter(root);
    expect(await reuseBlob(root, orphan.digest, orphan.size)).toBe(true);
    const [record] = await records();
    expect(JSON.parse(await readFile(join(registryPaths(root).writers, record!), 'utf8'))).toMatchObject({ pid: process.pid, blobs: [orphan.digest] });

    const report = await gcRegistry({ registry: root });
    expect(report.removed.map((blob) => blob.digest)).toEqual([other.digest]);
    expect(report.keptForWriters).toBe(1);
    expect(await removeUnreferencedBlobs(root, [orphan.digest])).toBe(0);

    await unregister();
    expect(await records()).toEqual([]);
    expect((await gcRegistry({ registry: root })).removed.map((blob) => blob.digest)).toEqual([orphan.digest]);
  });

  it('says whether the blob is there with the expected size', async () => {
    const blob = await oldOrphan('twelve bytes');
    expect(await reuseBlob(root, blob.digest)).toBe(true);
    expect(await reuseBlob(root, blob.digest, blob.size)).toBe(true);
    expect(await reuseBlob(root, blob.digest, blob.size + 1)).toBe(false);
    expect(await reuseBlob(root, `sha256:${'0'.repeat(64)}`)).toBe(false);
  });

  it('reads the first bytes of a blob, fewer for a shorter one', async () => {
    const blob = await writeBlob(root, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2]));
    expect([...(await readBlobHead(root, blob.digest, 4))]).toEqual([0x1f, 0x8b, 8, 0]);
    const short = await writeBlob(root, Buffer.from([7]));
    expect([...(await readBlobHead(root, short.digest, 4))]).toEqual([7]);
  });

  it('holds nothing without a writer in progress, and a record being rewritten never outlives its writer', async () => {
    const orphan = await oldOrphan('held by nobody');
    await holdBlobs(root, [orphan.digest]);
    expect(await records()).toEqual([]);
    expect((await gcRegistry({ registry: root })).removed.map((blob) => blob.digest)).toEqual([orphan.digest]);

    const unregister = await registerWriter(root);
    const holding = holdBlobs(root, [orphan.digest]);
    await unregister();
    await holding;
    expect(await records()).toEqual([]);
  });
});
