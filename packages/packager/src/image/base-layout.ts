import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCode, ExitCode, MlshipError, fromFsError, hexOf, type Digest } from '@mlship/core';
import { OciAnnotation, type Descriptor, type OciIndex, type Platform } from '@mlship/oci';
import { MAX_DOCUMENT_BYTES } from '@mlship/registry';
import { isDescriptor, malformedBase, parseJson, type BaseSource } from './base-documents.js';
import { documentTooLarge, ensureBlob, verifyBytes } from './blob-store.js';
import { selectPlatformManifest } from './platform.js';
import type { LayoutReference } from './reference.js';
import type { ImageProgress } from './types.js';

const REF_NAME = OciAnnotation.refName;

/**
 * The index.json entry a layout reference names: by `ref.name` when given (entries sharing a name are
 * told apart by platform), else the only entry, else the one named `latest`.
 */
export function selectLayoutEntry(index: OciIndex, ref: string | undefined, platform: Platform, where: string): Descriptor {
  const entries = Array.isArray(index.manifests) ? index.manifests : [];
  // Digests name files in the layout and sizes bound what is read: both must be checked first.
  const invalid = entries.find((entry) => !isDescriptor(entry));
  if (invalid !== undefined) {
    throw malformedBase(where, `index.json has an entry without a media type, a sha256 digest and a size (${JSON.stringify(invalid).slice(0, 200)})`);
  }
  const names = [...new Set(entries.map((entry) => entry.annotations?.[REF_NAME]).filter((name): name is string => typeof name === 'string'))];
  const named = (name: string) => entries.filter((entry) => entry.annotations?.[REF_NAME] === name);
  let candidates: Descriptor[];
  if (ref !== undefined) {
    candidates = named(ref);
    if (candidates.length === 0) {
      throw new MlshipError(ErrorCode.refNotFound, `${where} has no image named "${ref}"`, {
        hint: names.length ? `it has ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}` : 'its index.json names no images',
        exitCode: ExitCode.usage,
      });
    }
  } else if (entries.length === 1) {
    candidates = entries;
  } else if (named('latest').length > 0) {
    candidates = named('latest');
  } else {
    candidates = entries.length > 0 && entries.every((entry) => entry.platform !== undefined && !entry.annotations?.[REF_NAME]) ? entries : [];
    if (candidates.length === 0) {
      throw new MlshipError(ErrorCode.usage, `${where} holds ${entries.length} images; name one`, {
        hint: names.length ? `append :NAME, one of ${names.slice(0, 20).join(', ')}` : 'append :NAME',
        exitCode: ExitCode.usage,
      });
    }
  }
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.every((entry) => entry.platform !== undefined)) return selectPlatformManifest(candidates, platform, where);
  throw new MlshipError(ErrorCode.usage, `${where}: ${candidates.length} images share the name "${ref ?? 'latest'}"`, {
    hint: 'give each image its own name in index.json',
    exitCode: ExitCode.usage,
  });
}

/** An OCI image layout directory (`oci:DIR[:REF]`); it may be the mlship registry itself. */
export async function openLayoutSource(root: string, reference: LayoutReference, platform: Platform): Promise<BaseSource> {
  const dir = resolve(reference.path);
  const describe = `oci:${reference.path}${reference.ref !== undefined ? `:${reference.ref}` : ''}`;
  const layout = await readFile(join(dir, 'oci-layout'), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
      throw new MlshipError(ErrorCode.usage, `${dir} is not an OCI image layout (no oci-layout file)`, {
        hint: 'pass a directory written by `skopeo copy … oci:DIR:NAME`, umoci or buildah',
        exitCode: ExitCode.usage,
      });
    }
    throw fromFsError(error, dir, 'cannot read the base image');
  });
  if (!/"imageLayoutVersion"\s*:/.test(layout)) throw malformedBase(describe, 'oci-layout has no imageLayoutVersion');
  const indexBytes = await readFile(join(dir, 'index.json')).catch((error: unknown) => {
    throw fromFsError(error, join(dir, 'index.json'), 'cannot read the base image');
  });
  const index = parseJson<OciIndex>(indexBytes, `${dir}/index.json`);
  const entry = selectLayoutEntry(index, reference.ref, platform, describe);
  const blobFile = (digest: Digest) => join(dir, 'blobs', 'sha256', hexOf(digest));

  const readDocument = async (descriptor: Descriptor): Promise<Buffer> => {
    if (descriptor.size > MAX_DOCUMENT_BYTES) throw documentTooLarge(`${describe} blob ${descriptor.digest}`, descriptor.size);
    const bytes = await readFile(blobFile(descriptor.digest)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw missingInLayout(describe, descriptor.digest);
      throw fromFsError(error, blobFile(descriptor.digest), 'cannot read the base image');
    });
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
      for (const layer of layers) {
        await ensureBlob(
          root,
          layer,
          async () => {
            const file = blobFile(layer.digest);
            if (!(await stat(file).catch(() => undefined))?.isFile()) throw missingInLayout(describe, layer.digest);
            return file;
          },
          onProgress,
        );
      }
    },
  };
}

function missingInLayout(describe: string, digest: Digest): MlshipError {
  return new MlshipError(ErrorCode.usage, `${describe} lacks blob ${digest}`, {
    hint: 'the layout is incomplete; copy the image again (`skopeo copy`)',
    exitCode: ExitCode.usage,
  });
}
