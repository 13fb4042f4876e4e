import { open, rename, stat, unlink } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, ExitCode, MlshipError, fsyncDir, readAll, tempPathFor, type Digest, fromFsError } from '@mlship/core';
import { OCI_LAYOUT_VERSION, createTarPack, openTarExtract, writeTarEntry, type Descriptor, type OciIndex } from '@mlship/oci';
import { hasBlob, openBlobStream, readBlobVerified, writeBlob, MAX_DOCUMENT_BYTES } from './blobs.js';
import { removeUnreferencedBlobs } from './gc.js';
import { entryFacts, parseIndex, versionEntry } from './index-file.js';
import { registerWriter } from './lock.js';
import { MediaType } from './media-types.js';
import { addVersions, loadIncomingEntry, type AddVersionsResult, type IncomingVersion } from './ingest.js';
import { readManifestTree, treeBlobs } from './manifest-tree.js';
import { resolveRef } from './resolve.js';

export interface ExportResult {
  out: string;
  refs: string[];
  blobs: number;
  bytes: number;
}

/**
 * Writes versions as an OCI image layout tarball (`oci-layout`, `index.json`, `blobs/sha256/…`), streamed
 * and verified blob by blob; the tarball appears at `out` only when complete.
 */
export async function exportArtifacts(options: { registry: string; refs: string[]; out: string }): Promise<ExportResult> {
  const root = options.registry;
  const versions = [];
  for (const ref of options.refs) versions.push(await resolveRef(root, ref));
  const index: OciIndex = { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [] };
  const blobs = new Map<Digest, number>();
  for (const version of versions) {
    // An artifact's manifest, config and layers; an image's index, manifests, configs and layers.
    const tree = await readManifestTree(root, { mediaType: version.mediaType, digest: version.digest, size: version.size });
    for (const blob of treeBlobs(tree)) blobs.set(blob.digest, blob.size);
    const artifactType = tree.type === 'manifest' ? tree.manifest.artifactType : undefined;
    index.manifests.push(
      versionEntry(
        { digest: version.digest, size: version.size, mediaType: version.mediaType, ...(artifactType ? { artifactType } : {}) },
        { kind: version.kind, name: version.name, version: version.version, created: version.metadata.created || undefined },
      ),
    );
  }

  const out = resolve(options.out);
  const temp = tempPathFor(out);
  // Open the output first, so a bad path fails here with a coded error rather than mid-stream.
  const handle = await open(temp, 'wx').catch((error: unknown) => {
    throw fromFsError(error, out, 'cannot write the export');
  });
  const pack = createTarPack();
  const written = pipeline(pack as unknown as AsyncIterable<Buffer>, handle.createWriteStream()).catch((error: unknown) => {
    throw fromFsError(error, out, 'cannot write the export');
  });
  written.catch(() => undefined); // handled where it is awaited; never an unhandled rejection
  // A failed write ends the pack; `written` ends the wait for an entry that would never finish.
  const addEntry = (name: string, size: number, content: Readable | Buffer) => writeTarEntry(pack, { name, size, mode: 0o644, mtime: new Date(0) }, content, written);
  let bytes = 0;
  try {
    const layout = Buffer.from(JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }));
    await addEntry('oci-layout', layout.length, layout);
    for (const [digest, size] of blobs) {
      const content = size <= MAX_DOCUMENT_BYTES ? await readBlobVerified(root, digest) : await openBlobStream(root, digest, size);
      await addEntry(`blobs/sha256/${digest.slice(7)}`, size, content);
      bytes += size;
    }
    const indexBytes = Buffer.from(`${JSON.stringify(index, null, 2)}\n`);
    await addEntry('index.json', indexBytes.length, indexBytes);
    pack.finalize();
    await written;
    const flush = await open(temp, 'r+');
    await flush.sync().finally(() => flush.close());
    await rename(temp, out).catch((error: unknown) => {
      throw fromFsError(error, out, 'cannot write the export');
    });
    await fsyncDir(posix.dirname(out));
  } catch (error) {
    pack.destroy();
    await written.catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return { out, refs: versions.map((v) => v.ref), blobs: blobs.size, bytes };
}

function unsafe(file: string, name: string, why: string): MlshipError {
  return new MlshipError(ErrorCode.unsafeArchive, `refusing ${file}: entry "${name}" ${why}`, {
    hint: 'the archive is damaged or hostile; import only archives made by `mlship registry export` or an OCI tool',
    exitCode: ExitCode.usage,
  });
}

type EntryAction = 'read' | 'skip';

/** Decides what to do with a tar entry; anything that could write outside the target is refused. */
export function checkArchiveEntry(file: string, header: { name: string; type?: string | null; linkname?: string | null }): EntryAction {
  const name = header.name.replace(/^(\.\/)+/, '');
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name) || name.includes('\\')) throw unsafe(file, header.name, 'has an absolute path');
  if (name.split('/').includes('..')) throw unsafe(file, header.name, 'climbs out of the target with ".."');
  if (name.includes('\0')) throw unsafe(file, header.name, 'contains a NUL byte');
  switch (header.type ?? 'file') {
    case 'file':
    case 'contiguous-file':
      return 'read';
    case 'directory':
    case 'pax-header':
    case 'pax-global-header':
      return 'skip';
    case 'symlink':
    case 'link': {
      const target = header.linkname ?? '';
      const resolved = header.type === 'symlink' ? posix.normalize(posix.join(posix.dirname(name), target)) : posix.normalize(target);
      if (target.startsWith('/') || resolved === '..' || resolved.startsWith('../')) throw unsafe(file, header.name, `is a link to "${target}", outside the archive`);
      return 'skip'; // an OCI layout has no links; one that stays inside is ignored
    }
    default:
      throw unsafe(file, header.name, `is a ${header.type} entry`);
  }
}

export interface ImportResult extends AddVersionsResult {
  file: string;
  blobs: number;
  /** Blobs the import wrote that no imported version references, removed again. */
  blobsRemoved: number;
}

/** By default an import may expand to 100 times the archive's size, and at least to 1 GiB. */
export const IMPORT_EXPANSION_RATIO = 100;
export const IMPORT_MIN_MAX_BYTES = 1 << 30;

/**
 * Imports an OCI layout tarball (plain or gzip) made by `exportArtifacts`. Every blob is verified against
 * its name; entries with absolute paths, `..`, or links leaving the target are refused. All versions are
 * added at once or none. The tar may expand to `maxBytes` (default: 100 times the file's size, at least
 * 1 GiB). Blobs the import wrote that no imported version references are removed again, whether it
 * succeeds or fails (those of other writers still in progress are left to `gc`).
 */
export async function importArchive(options: { registry: string; file: string; maxBytes?: number }): Promise<ImportResult> {
  const root = options.registry;
  const file = resolve(options.file);
  const size = (
    await stat(file).catch((error: unknown) => {
      throw fromFsError(error, file, 'cannot import');
    })
  ).size;
  const maxBytes = options.maxBytes ?? Math.max(IMPORT_MIN_MAX_BYTES, IMPORT_EXPANSION_RATIO * size);
  const unregister = await registerWriter(root);
  const extract = await openTarExtract(file, 'cannot import', { maxBytes }).catch(async (error: unknown) => {
    await unregister();
    throw error;
  });

  /** Blobs that were not here before this import wrote them. */
  const written: Digest[] = [];
  const referenced = new Set<Digest>();
  let succeeded = false;
  try {
    let indexBytes: Buffer | undefined;
    let layoutOk = false;
    let blobCount = 0;
    try {
      for await (const tarEntry of extract) {
        const header = tarEntry.header;
        const entry = tarEntry as unknown as Readable;
        const action = checkArchiveEntry(file, header);
        const name = header.name.replace(/^(\.\/)+/, '');
        if (action === 'skip') {
          entry.resume();
          continue;
        }
        if (name === 'index.json') {
          indexBytes = await readAll(entry, MAX_DOCUMENT_BYTES, 'index.json');
        } else if (name === 'oci-layout') {
          const layout = (await readAll(entry, 4096, 'oci-layout')).toString('utf8');
          layoutOk = /"imageLayoutVersion"\s*:\s*"1\.0\.0"/.test(layout);
        } else if (/^blobs\/sha256\/[0-9a-f]{64}$/.test(name)) {
          const digest: Digest = `sha256:${name.slice('blobs/sha256/'.length)}`;
          const isNew = !(await hasBlob(root, digest));
          await writeBlob(root, entry, { expected: digest });
          if (isNew) written.push(digest);
          blobCount += 1;
        } else {
          entry.resume();
        }
      }
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('MLSHIP_E_')) throw error;
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw fromFsError(error, root, 'cannot import');
      throw new MlshipError(ErrorCode.usage, `${file} is not a readable tar archive: ${(error as Error).message}`, {
        hint: 'pass a tarball made by `mlship registry export`',
        exitCode: ExitCode.usage,
      });
    }
    if (!indexBytes || !layoutOk) {
      throw new MlshipError(ErrorCode.usage, `${file} is not an OCI image layout (${!indexBytes ? 'no index.json' : 'bad oci-layout'})`, {
        hint: 'pass a tarball made by `mlship registry export`',
        exitCode: ExitCode.usage,
      });
    }
    const index = parseIndex(file, indexBytes.toString('utf8'));
    const incoming: IncomingVersion[] = [];
    for (const entry of index.manifests as Descriptor[]) {
      const facts = entryFacts(entry);
      if (!facts || facts.alias !== undefined) continue;
      const version = await loadIncomingEntry(root, entry, facts, file);
      for (const blob of version.blobs) referenced.add(blob);
      incoming.push(version);
    }
    const added = await addVersions(root, incoming);
    succeeded = true;
    await unregister(); // this import no longer counts as a writer that may reference them
    const blobsRemoved = await removeUnreferencedBlobs(
      root,
      written.filter((digest) => !referenced.has(digest)),
    ).catch(() => 0); // best effort: gc removes what is left
    return { file, blobs: blobCount, ...added, blobsRemoved };
  } finally {
    await unregister();
    if (!succeeded) {
      // Nothing was added: every blob this import brought is unreferenced (unless a concurrent writer uses it).
      await removeUnreferencedBlobs(root, written).catch(() => undefined);
    }
  }
}

