import { resolve } from 'node:path';
import { ErrorCode, ExitCode, MlshipError, hexOf, type Digest } from '@mlship/core';
import { MAX_DOCUMENT_BYTES, reuseBlob } from '@mlship/registry';
import type { Descriptor, OciIndex, Platform } from '@mlship/oci';
import { malformedBase, parseJson, type BaseSource } from './base-documents.js';
import { selectLayoutEntry } from './base-layout.js';
import { ensureBlob, verifyBytes } from './blob-store.js';
import type { LayoutReference } from './reference.js';
import { ArchiveMemory, scanTar } from './tar-scan.js';
import type { ImageProgress } from './types.js';

/** In-memory limits of the first pass over an archive: documents are small, layers are streamed. */
export const ARCHIVE_ENTRY_LIMIT = MAX_DOCUMENT_BYTES;
export const ARCHIVE_MEMORY_BUDGET = 64 << 20;

export const blobName = (digest: Digest) => `blobs/sha256/${hexOf(digest)}`;

/**
 * Streams the named archive entries into the store in one pass, each verified against the digest it
 * must have; `wanted` maps entry names to descriptors.
 */
export async function storeFromArchive(
  root: string,
  file: string,
  what: string,
  wanted: Map<string, Descriptor>,
  onProgress?: (event: ImageProgress) => void,
): Promise<void> {
  if (wanted.size === 0) return;
  const pending = new Map(wanted);
  await scanTar(file, what, async (entry, stream) => {
    const descriptor = pending.get(entry.name);
    if (!descriptor) return;
    pending.delete(entry.name);
    await ensureBlob(root, descriptor, async () => stream, onProgress);
  });
  const [missing] = pending.values();
  if (missing) {
    throw new MlshipError(ErrorCode.usage, `${file} lacks blob ${missing.digest}`, {
      hint: 'the archive is incomplete; write it again',
      exitCode: ExitCode.usage,
    });
  }
}

/** A tar of an OCI image layout (`oci-archive:FILE[:REF]`): documents from a first pass, layers streamed. */
export async function openOciArchiveSource(root: string, reference: LayoutReference, platform: Platform): Promise<BaseSource> {
  const file = resolve(reference.path);
  const describe = `oci-archive:${reference.path}${reference.ref !== undefined ? `:${reference.ref}` : ''}`;
  const what = 'a tar of an OCI image layout (`skopeo copy … oci-archive:FILE`)';
  const memory = new ArchiveMemory(ARCHIVE_ENTRY_LIMIT, ARCHIVE_MEMORY_BUDGET);
  await scanTar(file, what, (entry, stream) => memory.take(entry, stream));
  const indexBytes = memory.files.get('index.json');
  if (!indexBytes || !memory.files.has('oci-layout')) {
    throw new MlshipError(ErrorCode.usage, `${file} is not an OCI image layout archive (${indexBytes ? 'no oci-layout' : 'no index.json'})`, {
      hint: `pass ${what}; for \`docker save\` output write docker-archive:${reference.path}`,
      exitCode: ExitCode.usage,
    });
  }
  const index = parseJson<OciIndex>(indexBytes, `${describe} index.json`);
  const entry = selectLayoutEntry(index, reference.ref, platform, describe);

  const readDocument = async (descriptor: Descriptor): Promise<Buffer> => {
    const name = memory.resolve(blobName(descriptor.digest));
    const bytes = memory.files.get(name);
    if (!bytes) {
      throw memory.has(name)
        ? malformedBase(describe, `blob ${descriptor.digest} is too large for a manifest or config`)
        : new MlshipError(ErrorCode.usage, `${describe} lacks blob ${descriptor.digest}`, { hint: 'the archive is incomplete', exitCode: ExitCode.usage });
    }
    verifyBytes(bytes, descriptor.digest, describe);
    return bytes;
  };

  return {
    describe,
    async top() {
      return { bytes: await readDocument(entry), digest: entry.digest, mediaType: entry.mediaType };
    },
    document: readDocument,
    async storeLayers(layers: Descriptor[], onProgress?: (event: ImageProgress) => void) {
      const streamed = new Map<string, Descriptor>();
      for (const layer of layers) {
        const name = memory.resolve(blobName(layer.digest));
        const held = memory.files.get(name);
        if (held) await ensureBlob(root, layer, async () => held, onProgress);
        else if (await reuseBlob(root, layer.digest, layer.size)) {
          onProgress?.({ phase: 'base', digest: layer.digest, size: layer.size, bytes: layer.size, done: true, cached: true });
        } else streamed.set(name, layer);
      }
      await storeFromArchive(root, file, what, streamed, onProgress);
    },
  };
}
