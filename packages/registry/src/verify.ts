import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Digest } from '@mlship/core';
import { type Descriptor, type OciIndex, type OciManifest, isImageConfigMediaType, isIndexMediaType } from '@mlship/oci';
import { hashStoredBlob, listBlobs, MAX_DOCUMENT_BYTES } from './blobs.js';
import { parseJsonDocument } from './documents.js';
import { entryFacts, parseIndex } from './index-file.js';
import { unsafeFileNames } from './file-names.js';
import { readOciLayoutVersion, registryPaths, blobPath } from './layout.js';
import { Annotation, MediaType } from './media-types.js';
import { imageConfigSchema, indexSchema, manifestSchema, metadataSchema } from './schemas.js';
import type { ArtifactMetadata } from './types.js';

export type ProblemKind =
  | 'corrupt-blob'
  | 'missing-blob'
  | 'malformed-index'
  | 'malformed-layout'
  | 'malformed-manifest'
  | 'malformed-metadata'
  | 'inconsistent-entry'
  | 'duplicate-ref';

export interface VerifyProblem {
  problem: ProblemKind;
  /** The blob concerned, when there is one. */
  digest?: string;
  /** The artifact version whose manifest leads to the problem, when known. */
  ref?: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  registry: string;
  blobsChecked: number;
  bytesChecked: number;
  manifestsChecked: number;
  problems: VerifyProblem[];
}

/**
 * Re-hashes every blob and walks every manifest the index names; reports each problem rather than
 * stopping at the first. Never throws for a damaged store.
 */
export async function verifyRegistry(options: {
  registry: string;
  onProgress?: (event: { bytes: number; totalBytes: number }) => void;
}): Promise<VerifyReport> {
  const root = options.registry;
  const problems: VerifyProblem[] = [];
  if ((await readOciLayoutVersion(root)) === undefined) {
    problems.push({ problem: 'malformed-layout', message: `oci-layout is missing or malformed in ${root}` });
  }

  // The index is read before the blobs are listed: every blob it names was written before it, so a put
  // committing meanwhile cannot make a blob look missing.
  let index: OciIndex | undefined;
  try {
    index = parseIndex(root, await readFile(registryPaths(root).index, 'utf8'));
  } catch (error) {
    problems.push({ problem: 'malformed-index', message: (error as Error).message });
  }

  const { blobs } = await listBlobs(root);
  const totalBytes = blobs.reduce((sum, blob) => sum + blob.size, 0);
  const present = new Set<string>();
  const corrupt = new Set<string>();
  let bytes = 0;
  for (const blob of blobs) {
    let actual: string;
    try {
      actual = await hashStoredBlob(blob.path, (n) => {
        bytes += n;
        options.onProgress?.({ bytes, totalBytes });
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed meanwhile by gc: it was unreferenced
      throw error;
    }
    present.add(blob.digest);
    if (actual !== blob.digest) {
      corrupt.add(blob.digest);
      problems.push({ problem: 'corrupt-blob', digest: blob.digest, message: `blob ${blob.digest} is corrupt: its content hashes to ${actual}` });
    }
  }

  let manifestsChecked = 0;
  const reported = new Set<string>();
  const missing = (digest: Digest, ref: string | undefined, what: string) => {
    if (reported.has(`${digest}`)) return;
    if (existsSync(blobPath(root, digest))) return; // written after the listing (a concurrent import or pull)
    reported.add(digest);
    problems.push({ problem: 'missing-blob', digest, ...(ref ? { ref } : {}), message: `${what} ${digest}${ref ? ` of ${ref}` : ''} is missing` });
  };
  /** Reads a referenced document blob, or records why it cannot be read. */
  const readDocument = async <T>(descriptor: Descriptor, schema: object, what: string, ref: string | undefined): Promise<T | undefined> => {
    if (!present.has(descriptor.digest)) {
      missing(descriptor.digest, ref, what);
      return undefined;
    }
    if (corrupt.has(descriptor.digest)) return undefined; // already reported
    // An image's config is its metadata.
    const problem: ProblemKind = what === 'metadata' || what === 'image config' ? 'malformed-metadata' : 'malformed-manifest';
    if (descriptor.size > MAX_DOCUMENT_BYTES) {
      problems.push({ problem, digest: descriptor.digest, message: `${what} ${descriptor.digest} is too large` });
      return undefined;
    }
    try {
      return parseJsonDocument<T>(await readFile(blobPath(root, descriptor.digest)), schema, what, descriptor.digest);
    } catch (error) {
      if (!reported.has(`${problem}${descriptor.digest}`)) {
        reported.add(`${problem}${descriptor.digest}`);
        problems.push({ problem, digest: descriptor.digest, ...(ref ? { ref } : {}), message: (error as Error).message });
      }
      return undefined;
    }
  };

  const walk = async (descriptor: Descriptor, ref: string | undefined): Promise<void> => {
    manifestsChecked += 1;
    if (isIndexMediaType(descriptor.mediaType)) {
      const nested = await readDocument<OciIndex>(descriptor, indexSchema, 'index', ref);
      for (const child of nested?.manifests ?? []) await walk(child, ref);
      return;
    }
    const manifest = await readDocument<OciManifest>(descriptor, manifestSchema, 'manifest', ref);
    if (!manifest) return;
    const isOurs = manifest.config.mediaType === MediaType.metadata;
    let metadata: ArtifactMetadata | undefined;
    if (isOurs) metadata = await readDocument<ArtifactMetadata>(manifest.config, metadataSchema, 'metadata', ref);
    else if (isImageConfigMediaType(manifest.config.mediaType)) await readDocument<object>(manifest.config, imageConfigSchema, 'image config', ref);
    else if (!present.has(manifest.config.digest)) missing(manifest.config.digest, ref, 'config');
    for (const layer of manifest.layers) if (!present.has(layer.digest)) missing(layer.digest, ref, 'layer');
    if (isOurs) {
      const unsafe = unsafeFileNames(manifest.layers);
      if (unsafe) problems.push({ problem: 'malformed-manifest', digest: descriptor.digest, ...(ref ? { ref } : {}), message: unsafe });
    }
    const facts = entryFacts(descriptor);
    if (metadata && facts && (metadata.kind !== facts.kind || metadata.name !== facts.name || metadata.version !== facts.version)) {
      problems.push({
        problem: 'inconsistent-entry',
        digest: descriptor.digest,
        ...(ref ? { ref } : {}),
        message: `index entry ${ref} points to metadata of ${metadata.kind}/${metadata.name}:${metadata.version}`,
      });
    }
  };

  // A ref the index names more than once (versions never change; an alias names one version).
  const digestsByRef = new Map<string, Set<string>>();
  for (const entry of index?.manifests ?? []) {
    const facts = entryFacts(entry);
    if (!facts) continue;
    const ref = `${facts.kind}/${facts.name}${facts.alias === undefined ? `:${facts.version}` : `@${facts.alias}`}`;
    digestsByRef.set(ref, (digestsByRef.get(ref) ?? new Set()).add(entry.digest));
  }
  for (const [ref, digests] of digestsByRef) {
    if (digests.size < 2) continue;
    problems.push({ problem: 'duplicate-ref', ref, message: `index.json names ${ref} ${digests.size} times, with different manifests: ${[...digests].join(', ')}` });
  }

  const walked = new Set<string>();
  for (const entry of index?.manifests ?? []) {
    const facts = entryFacts(entry);
    const ref = facts ? `${facts.kind}/${facts.name}:${facts.alias ?? facts.version}` : entry.annotations?.[Annotation.refName];
    if (walked.has(`${entry.digest}|${ref}`)) continue;
    walked.add(`${entry.digest}|${ref}`);
    await walk(entry, ref);
  }

  return { ok: problems.length === 0, registry: root, blobsChecked: blobs.length, bytesChecked: bytes, manifestsChecked, problems };
}
