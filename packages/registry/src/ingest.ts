import {
  ErrorCode,
  ExitCode,
  MAX_VERSION,
  MlshipError,
  isValidName,
  isValidVersion,
  isVersionRef,
  quoteUntrusted,
  versionRef,
  type ArtifactKind,
  type Digest,
} from '@mlship/core';
import { type Descriptor, isImageConfigMediaType, isIndexMediaType } from '@mlship/oci';
import { hasBlob } from './blobs.js';
import { readManifest, readMetadata } from './documents.js';
import { ImageErrorCode } from './image-version.js';
import { buildCatalog, readIndex, versionEntry, writeIndex, type EntryFacts } from './index-file.js';
import { withRegistryLock } from './lock.js';
import { isImageTree, readManifestTree, treeBlobs } from './manifest-tree.js';
import { Annotation, MediaType } from './media-types.js';
import { unsafeFileNames } from './file-names.js';
import type { ParentLink } from './types.js';

function hostile(source: string, what: string): MlshipError {
  return new MlshipError(ErrorCode.unsafeArchive, `${source} holds ${what}`, {
    hint: 'the source is damaged or hostile; nothing was added',
    exitCode: ExitCode.usage,
  });
}

/**
 * A version from outside must be one that refs can name (the grammar of core's refs: a valid name,
 * versions 1 to 2^31-1), and its parents must be version refs: lineage renders them.
 */
function checkIdentity(source: string, facts: { kind: ArtifactKind; name: string; version: number; parents?: ParentLink[] }): void {
  const { kind, name, version } = facts;
  if (!isValidName(name)) {
    throw hostile(source, `a version named ${quoteUntrusted(name)}, not a valid name (lowercase letters and digits joined by ".", "_" or "-", at most 128)`);
  }
  if (!isValidVersion(version)) throw hostile(source, `${kind}/${name}:${version}, past the highest version a ref can name (${MAX_VERSION})`);
  for (const parent of facts.parents ?? []) {
    if (!isVersionRef(parent.ref)) throw hostile(source, `${versionRef(kind, name, version)} with the parent ref ${quoteUntrusted(parent.ref)}, not a version ref`);
  }
}

/** A version whose blobs are already in the store, about to be named in its index. */
export interface IncomingVersion {
  digest: Digest;
  size: number;
  mediaType: string;
  artifactType: string | undefined;
  kind: ArtifactKind;
  name: string;
  version: number;
  created: string | undefined;
  /** Every blob the version reaches, checked again under the lock. */
  blobs: Digest[];
}

/** Reads and checks a manifest and its metadata from the store; every blob it names must be present. */
export async function loadIncoming(root: string, digest: Digest, size: number, source: string): Promise<IncomingVersion> {
  const manifest = await readManifest(root, digest);
  if (manifest.config.mediaType !== MediaType.metadata) {
    throw new MlshipError(ErrorCode.usage, `${source} holds ${digest}, which is not an mlship artifact (config ${manifest.config.mediaType})`, {
      hint: 'only artifacts written by mlship can be imported or pulled into its registry',
      exitCode: ExitCode.usage,
    });
  }
  const unsafe = unsafeFileNames(manifest.layers);
  if (unsafe) {
    throw new MlshipError(ErrorCode.unsafeArchive, `${source} holds ${digest} with an unsafe file list: ${unsafe}`, {
      hint: 'the source is damaged or hostile; nothing was added',
      exitCode: ExitCode.usage,
    });
  }
  const metadata = await readMetadata(root, manifest.config.digest);
  checkIdentity(source, metadata);
  for (const layer of manifest.layers) {
    if (!(await hasBlob(root, layer.digest))) throw lacking(source, layer.digest, versionRef(metadata.kind, metadata.name, metadata.version));
  }
  const { kind, name, version, created } = metadata;
  const blobs = [manifest.config.digest, ...manifest.layers.map((layer) => layer.digest), digest];
  return { digest, size, mediaType: manifest.mediaType ?? MediaType.imageManifest, artifactType: manifest.artifactType, kind, name, version, created, blobs };
}

function lacking(source: string, digest: Digest, ref: string): MlshipError {
  return new MlshipError(ErrorCode.usage, `${source} lacks blob ${digest} of ${ref}`, {
    hint: 'the source is incomplete; export or push the artifact again',
    exitCode: ExitCode.usage,
  });
}

/**
 * Reads and checks a container image version from the store: an image has no metadata blob, so its
 * kind, name and version come from the index entry that names it, which must say `images`.
 */
export async function loadIncomingImage(root: string, entry: Descriptor, facts: EntryFacts, source: string): Promise<IncomingVersion> {
  checkIdentity(source, facts);
  const ref = versionRef(facts.kind, facts.name, facts.version);
  if (facts.kind !== 'images') {
    throw new MlshipError(ImageErrorCode.unsupported, `${source} holds ${ref}, a container image named as ${facts.kind}`, {
      hint: 'container images are stored as images/NAME; nothing was added',
      exitCode: ExitCode.usage,
    });
  }
  const tree = await readManifestTree(root, entry, { checkBlobs: true, missing: (digest) => lacking(source, digest, ref) });
  if (!isImageTree(tree)) {
    throw new MlshipError(ErrorCode.usage, `${source} holds ${ref}, which is neither an mlship artifact nor a container image`, {
      hint: 'only artifacts written by mlship, and container images, can be imported or pulled into its registry',
      exitCode: ExitCode.usage,
    });
  }
  return {
    digest: entry.digest,
    size: entry.size,
    mediaType: entry.mediaType,
    artifactType: undefined,
    kind: facts.kind,
    name: facts.name,
    version: facts.version,
    created: entry.annotations?.[Annotation.created],
    blobs: treeBlobs(tree).map((blob) => blob.digest),
  };
}

/** Reads and checks the version an index entry names: an mlship artifact, or a container image. */
export async function loadIncomingEntry(root: string, entry: Descriptor, facts: EntryFacts, source: string): Promise<IncomingVersion> {
  if (isIndexMediaType(entry.mediaType)) return loadIncomingImage(root, entry, facts, source);
  const manifest = await readManifest(root, entry.digest);
  if (isImageConfigMediaType(manifest.config.mediaType)) return loadIncomingImage(root, entry, facts, source);
  return loadIncoming(root, entry.digest, entry.size, source);
}

export interface AddVersionsResult {
  added: string[];
  /** Versions already stored with the same digest. */
  present: string[];
}

/**
 * Names incoming versions in the index, all at once or none: a version number already taken by other
 * content is a conflict (versions are immutable), and nothing is added.
 */
export async function addVersions(root: string, incoming: IncomingVersion[]): Promise<AddVersionsResult> {
  return withRegistryLock(root, async (assertHeld) => {
    const index = await readIndex(root);
    const catalog = buildCatalog(index);
    const result: AddVersionsResult = { added: [], present: [] };
    const batch = new Map<string, Digest>();
    for (const item of incoming) {
      const { kind, name, version, created } = item;
      const ref = versionRef(kind, name, version);
      const earlier = batch.get(ref);
      if (earlier === item.digest) continue;
      if (earlier !== undefined) {
        throw new MlshipError(ErrorCode.conflict, `the source names ${ref} twice, with different content (${earlier} and ${item.digest})`, {
          hint: 'the source is damaged or hostile; nothing was added',
          exitCode: ExitCode.usage,
        });
      }
      batch.set(ref, item.digest);
      const existing = catalog.versions.get(`${kind}/${name}`)?.get(version);
      if (existing?.digest === item.digest) {
        result.present.push(ref);
        continue;
      }
      if (existing) {
        throw new MlshipError(ErrorCode.conflict, `${ref} already exists here with other content (${existing.digest})`, {
          hint: 'versions never change once written; bring it into another registry, or store it under another name',
          exitCode: ExitCode.usage,
        });
      }
      // Blobs that were already here before this import may be orphans that a gc removed meanwhile.
      for (const blob of item.blobs) {
        if (!(await hasBlob(root, blob))) {
          throw new MlshipError(ErrorCode.conflict, `blob ${blob} of ${ref} vanished before the version was committed`, {
            hint: 'a concurrent `registry gc` removed it; run the command again',
            exitCode: ExitCode.runtime,
          });
        }
      }
      index.manifests.push(
        versionEntry(
          { digest: item.digest, size: item.size, mediaType: item.mediaType, ...(item.artifactType ? { artifactType: item.artifactType } : {}) },
          { kind, name, version, created },
        ),
      );
      result.added.push(ref);
    }
    if (result.added.length > 0) {
      await assertHeld();
      await writeIndex(root, index);
    }
    return result;
  });
}
