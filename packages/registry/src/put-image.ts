import { ErrorCode, ExitCode, MlshipError, isDigest, isValidName, versionRef, usageError, type Digest } from '@mlship/core';
import { isIndexMediaType, isManifestMediaType } from '@mlship/oci';
import { hasBlob } from './blobs.js';
import { ImageErrorCode, treeParents } from './image-version.js';
import { buildCatalog, latestVersion, nameKey, nextVersion, readIndex, versionEntry, writeIndex } from './index-file.js';
import { findByDigest } from './resolve.js';
import { registerWriter, withRegistryLock } from './lock.js';
import { isImageTree, readManifestTree, treeBlobs } from './manifest-tree.js';

export interface PutImageOptions {
  registry: string;
  /** The image's name: it is stored as `images/<name>:<next version>`. */
  name: string;
  /** The image manifest (one platform) or image index (several), already written to the store with its blobs. */
  manifest: { mediaType: string; digest: Digest; size: number };
  /** The version's creation time (ISO 8601); now by default. */
  created?: string;
  /** Add a version even when the latest one is this image (`--new-version`); by default that one is returned. */
  newVersion?: boolean;
}

export interface PutImageResult {
  ref: string;
  kind: 'images';
  name: string;
  version: number;
  digest: Digest;
  mediaType: string;
  size: number;
  /** True when the latest version of the name already is this image: no version was added. */
  reused: boolean;
}

/** The error for an image naming a blob the store lacks (the builder did not write it, or gc removed it). */
export function incompleteImage(image: Digest, digest: Digest, what: string): MlshipError {
  return new MlshipError(ImageErrorCode.incomplete, `image ${image} names ${what} ${digest}, which is not in the registry`, {
    hint: 'write every blob of the image (index, manifests, configs, layers) with writeBlob before putImage, while registered as a writer',
    exitCode: ExitCode.runtime,
    details: { image, digest },
  });
}

/**
 * Names a container image, whose blobs are already in the store, as the next version of
 * `images/<name>`. Every blob it reaches is checked first (documents hashed, layers present with
 * their size); the version is added under the registry lock. An image equal to the latest
 * version (the same digest: a rebuild from the same inputs) adds nothing and returns that version.
 */
export async function putImage(options: PutImageOptions): Promise<PutImageResult> {
  const root = options.registry;
  const { name, manifest } = options;
  if (!isValidName(name)) {
    throw new MlshipError(ErrorCode.invalidRef, `bad image name "${name}"`, {
      hint: 'lowercase letters and digits, with ".", "_" or "-" between them (e.g. iris-cpu)',
      exitCode: ExitCode.usage,
    });
  }
  if (!isManifestMediaType(manifest.mediaType) && !isIndexMediaType(manifest.mediaType)) {
    throw usageError(`${manifest.mediaType} is neither an image manifest nor an image index`, 'pass the OCI image manifest or image index media type');
  }
  if (!isDigest(manifest.digest) || !Number.isInteger(manifest.size) || manifest.size < 0) {
    throw usageError(`bad descriptor for image ${name}: ${manifest.digest} (${manifest.size} bytes)`, 'pass the digest and size writeBlob returned');
  }
  if (options.created !== undefined && Number.isNaN(Date.parse(options.created))) {
    throw usageError(`bad creation time "${options.created}"`, 'pass an ISO 8601 time, e.g. 2026-01-31T12:00:00.000Z');
  }

  const unregister = await registerWriter(root);
  try {
    const descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size };
    const tree = await readManifestTree(root, descriptor, {
      checkBlobs: true,
      missing: (digest, what) => incompleteImage(manifest.digest, digest, what),
    });
    if (!isImageTree(tree)) {
      throw usageError(`${manifest.digest} is not a container image: no manifest under it has an image config`, 'store other artifacts with putArtifact');
    }
    const blobs = treeBlobs(tree);
    // The model it serves, when stored here: a concurrent `registry rm` must not leave it dangling.
    const before = buildCatalog(await readIndex(root));
    const parents = treeParents(tree).filter((parent) => findByDigest(before, parent.digest));
    return await withRegistryLock(root, async (assertHeld) => {
      const index = await readIndex(root);
      const catalog = buildCatalog(index);
      for (const parent of parents) {
        if (!findByDigest(catalog, parent.digest)) {
          throw new MlshipError(ErrorCode.conflict, `${parent.ref}, which image ${manifest.digest} serves, was removed before the version was committed`, {
            hint: 'a concurrent `registry rm` or `prune` removed it; package a model that is stored',
            exitCode: ExitCode.usage,
          });
        }
      }
      const latest = latestVersion(catalog, 'images', name);
      const latestEntry = catalog.versions.get(nameKey('images', name))?.get(latest);
      const result = { kind: 'images' as const, name, digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.size };
      if (latestEntry?.digest === manifest.digest && options.newVersion !== true) return { ...result, ref: versionRef('images', name, latest), version: latest, reused: true };
      // A gc that ran before the lock was taken may have removed a blob checked above.
      for (const blob of blobs) {
        if (!(await hasBlob(root, blob.digest))) {
          throw new MlshipError(ErrorCode.conflict, `blob ${blob.digest} of image ${manifest.digest} vanished before the version was committed`, {
            hint: 'a concurrent `registry gc` removed it; register as a writer while building the image, and build it again',
            exitCode: ExitCode.runtime,
          });
        }
      }
      const version = nextVersion(catalog, 'images', name);
      index.manifests.push(versionEntry(descriptor, { kind: 'images', name, version, created: options.created ?? new Date().toISOString() }));
      await assertHeld();
      await writeIndex(root, index);
      return { ...result, ref: versionRef('images', name, version), version, reused: false };
    });
  } finally {
    await unregister();
  }
}
