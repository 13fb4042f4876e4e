import { createReadStream } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import { once } from 'node:events';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ErrorCode, ExitCode, MlshipError, fsyncDir, readStreamLimited, tempPathFor, type Digest, fromFsError } from '@mlship/core';
import { hasBlob, openBlobStream, readBlobVerified, writeBlob, MAX_DOCUMENT_BYTES } from './blobs.js';
import { removeUnreferencedBlobs } from './gc.js';
import { entryFacts, parseIndex, versionEntry } from './index-file.js';
import { OCI_LAYOUT_VERSION } from './layout.js';
import { registerWriter } from './lock.js';
import { MediaType } from './media-types.js';
import { addVersions, loadIncomingEntry, type AddVersionsResult, type IncomingVersion } from './ingest.js';
import { readManifestTree, treeBlobs } from './manifest-tree.js';
import { resolveRef } from './resolve.js';
import type { Descriptor, OciIndex } from './types.js';

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
  const pack = tar.pack();
  const written = pipeline(pack as unknown as AsyncIterable<Buffer>, handle.createWriteStream()).catch((error: unknown) => {
    throw fromFsError(error, out, 'cannot write the export');
  });
  written.catch(() => undefined); // handled where it is awaited; never an unhandled rejection
  const addEntry = async (name: string, size: number, content: Readable | Buffer) => {
    let entry!: ReturnType<typeof pack.entry>;
    const finished = new Promise<void>((done, fail) => {
      entry = pack.entry({ name, size, mode: 0o644, mtime: new Date(0) }, (error) => (error ? fail(error) : done()));
    });
    if (Buffer.isBuffer(content)) entry.end(content);
    else {
      try {
        for await (const chunk of content) {
          if (!entry.write(chunk as Buffer)) await once(entry as unknown as NodeJS.EventEmitter, 'drain');
        }
      } catch (error) {
        entry.destroy(error as Error);
        throw error;
      }
      entry.end(undefined);
    }
    // A failed write ends the pack; do not wait for an entry that will never finish.
    await Promise.race([finished, written]);
  };
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

/** Fails the stream once more than `maxBytes` have passed through it. */
function byteCap(maxBytes: number, file: string): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      total += chunk.length;
      if (total <= maxBytes) return done(null, chunk);
      done(
        new MlshipError(ErrorCode.unsafeArchive, `refusing ${file}: it expands to more than ${maxBytes} bytes`, {
          hint: 'raise the cap with --max-bytes if you trust the archive (a small gzip file that expands this far may be a decompression bomb)',
          exitCode: ExitCode.usage,
        }),
      );
    },
  });
}

/**
 * A tar extractor reading `file`, plain or gzip (by its magic bytes); an unreadable file is a coded
 * error saying `what`. Iterate it at once: the returned promise resolves before any entry arrives
 * (entries come with later I/O), but an extra await of I/O in between could lose entries. With
 * `maxBytes`, the extractor fails with MLSHIP_E_ARCHIVE_UNSAFE once the tar (uncompressed) exceeds it.
 */
export async function openTarExtract(file: string, what: string, options: { maxBytes?: number } = {}): Promise<tar.Extract> {
  const head = Buffer.alloc(2);
  try {
    const handle = await open(file, 'r');
    await handle.read(head, 0, 2, 0).finally(() => handle.close());
  } catch (error) {
    throw fromFsError(error, file, what);
  }
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  const extract = tar.extract();
  const unpacked = gzipped ? source.pipe(createGunzip()) : source;
  const input = options.maxBytes === undefined ? unpacked : unpacked.pipe(byteCap(options.maxBytes, file));
  for (const stream of new Set([source, unpacked, input])) stream.on('error', (error: Error) => extract.destroy(error));
  input.pipe(extract);
  // Destroying the extractor (an early stop, an error) closes the file too.
  extract.on('close', () => source.destroy());
  return extract;
}

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
          indexBytes = await readStreamLimited(entry, MAX_DOCUMENT_BYTES, 'index.json');
        } else if (name === 'oci-layout') {
          const layout = (await readStreamLimited(entry, 4096, 'oci-layout')).toString('utf8');
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

