import { stat, unlink } from 'node:fs/promises';
import { ErrorCode, ExitCode, MlshipError, fsyncDir, type Digest } from '@mlship/core';
import type { Descriptor, OciIndex, OciManifest } from '@mlship/oci';
import { listBlobs, readBlobVerified } from './blobs.js';
import { readIndex } from './index-file.js';
import { blobPath, registryPaths } from './layout.js';
import { liveWriters, withRegistryLock } from './lock.js';
import { MediaType } from './media-types.js';

/** Blobs reachable from the index: manifests, nested indexes, configs and layers. */
export async function reachableBlobs(root: string, index: OciIndex): Promise<Set<Digest>> {
  const reachable = new Set<Digest>();
  const visit = async (descriptor: Descriptor): Promise<void> => {
    if (reachable.has(descriptor.digest)) return;
    reachable.add(descriptor.digest);
    let document: Partial<OciManifest & OciIndex>;
    try {
      // Verified: a bit-rotted manifest that still parses would otherwise hide the layers it keeps alive.
      document = JSON.parse((await readBlobVerified(root, descriptor.digest)).toString('utf8')) as Partial<OciManifest & OciIndex>;
    } catch (error) {
      // Without a readable manifest we cannot know what it keeps alive: refuse rather than guess.
      throw new MlshipError(ErrorCode.registryCorrupt, `cannot read manifest ${descriptor.digest}: ${(error as Error).message}`, {
        hint: 'run `mlship registry verify` and repair the store before collecting garbage',
        exitCode: ExitCode.runtime,
      });
    }
    if (descriptor.mediaType === MediaType.imageIndex || Array.isArray(document.manifests)) {
      for (const child of document.manifests ?? []) await visit(child);
    }
    if (document.config) reachable.add(document.config.digest);
    for (const layer of document.layers ?? []) reachable.add(layer.digest);
  };
  for (const entry of index.manifests) await visit(entry);
  return reachable;
}

export interface GcReport {
  dryRun: boolean;
  removed: Array<{ digest: Digest; size: number }>;
  bytesFreed: number;
  tempFilesRemoved: number;
  /** Unreferenced blobs kept because a put still in progress may be about to reference them. */
  keptForWriters: number;
}

/**
 * Removes blobs that no manifest references, and temp files left by crashed writers. Runs under the
 * registry lock; blobs written since the oldest put in progress started, and blobs a put in progress
 * holds, are kept (see lock.ts). A dry run
 * changes nothing, so it takes no lock (it works on a registry another command holds, or a read-only one).
 */
export async function gcRegistry(options: { registry: string; dryRun?: boolean }): Promise<GcReport> {
  const root = options.registry;
  const started = Date.now();
  const dryRun = options.dryRun === true;
  const collect = async (assertHeld: () => Promise<void>): Promise<GcReport> => {
    const reachable = await reachableBlobs(root, await readIndex(root));
    // Blobs younger than gc itself or than the oldest put in progress, and blobs a put in progress
    // holds, may be about to be referenced.
    const writers = await liveWriters(root, { removeDead: !dryRun });
    const cutoff = Math.min(writers.oldest, started) - 1000;
    const { blobs, temps } = await listBlobs(root);
    const report: GcReport = { dryRun, removed: [], bytesFreed: 0, tempFilesRemoved: 0, keptForWriters: 0 };
    for (const blob of blobs) {
      if (reachable.has(blob.digest)) continue;
      if (blob.mtimeMs >= cutoff || writers.held.has(blob.digest)) {
        report.keptForWriters += 1;
        continue;
      }
      report.removed.push({ digest: blob.digest, size: blob.size });
      report.bytesFreed += blob.size;
    }
    const staleTemps = temps.filter((temp) => temp.mtimeMs < cutoff);
    report.tempFilesRemoved = staleTemps.length;
    if (!report.dryRun) {
      await assertHeld();
      for (const blob of report.removed) await unlink(blobPath(root, blob.digest)).catch(() => undefined);
      for (const temp of staleTemps) await unlink(temp.path).catch(() => undefined);
      await fsyncDir(registryPaths(root).blobs);
    }
    return report;
  };
  return dryRun ? collect(async () => undefined) : withRegistryLock(root, collect);
}

/**
 * Removes those of `digests` that nothing references (what an import wrote and did not use), by gc's
 * rules and under the lock: a blob still reachable from the index, younger than the oldest writer in
 * progress, or held by one, is kept. Returns how many were removed.
 */
export async function removeUnreferencedBlobs(root: string, digests: Digest[]): Promise<number> {
  if (digests.length === 0) return 0;
  return withRegistryLock(root, async (assertHeld) => {
    const writers = await liveWriters(root);
    const reachable = await reachableBlobs(root, await readIndex(root));
    const doomed: Digest[] = [];
    for (const digest of new Set(digests)) {
      if (reachable.has(digest)) continue;
      const info = await stat(blobPath(root, digest)).catch(() => undefined);
      if (info && info.mtimeMs < writers.oldest && !writers.held.has(digest)) doomed.push(digest);
    }
    if (doomed.length === 0) return 0;
    await assertHeld();
    for (const digest of doomed) await unlink(blobPath(root, digest)).catch(() => undefined);
    await fsyncDir(registryPaths(root).blobs);
    return doomed.length;
  });
}
