import { ErrorCode, ExitCode, MlshipError, versionRef, type Digest } from '@mlship/core';
import { hasBlob } from './blobs.js';
import { readManifest, readMetadata } from './documents.js';
import { buildCatalog, readIndex, versionEntry, writeIndex } from './index-file.js';
import { withRegistryLock } from './lock.js';
import { MediaType } from './media-types.js';
import { unsafeFileNames } from './file-names.js';
import type { ArtifactMetadata, OciManifest } from './types.js';

/** A version whose blobs are already in the store, about to be named in its index. */
export interface IncomingVersion {
  digest: Digest;
  size: number;
  manifest: OciManifest;
  metadata: ArtifactMetadata;
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
  for (const layer of manifest.layers) {
    if (!(await hasBlob(root, layer.digest))) {
      throw new MlshipError(ErrorCode.usage, `${source} lacks blob ${layer.digest} of ${versionRef(metadata.kind, metadata.name, metadata.version)}`, {
        hint: 'the source is incomplete; export or push the artifact again',
        exitCode: ExitCode.usage,
      });
    }
  }
  return { digest, size, manifest, metadata };
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
    for (const item of incoming) {
      const { kind, name, version, created } = item.metadata;
      const ref = versionRef(kind, name, version);
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
      if (result.added.includes(ref)) continue;
      // Blobs that were already here before this import may be orphans that a gc removed meanwhile.
      for (const blob of [item.manifest.config, ...item.manifest.layers, { digest: item.digest }]) {
        if (!(await hasBlob(root, blob.digest))) {
          throw new MlshipError(ErrorCode.conflict, `blob ${blob.digest} of ${ref} vanished before the version was committed`, {
            hint: 'a concurrent `registry gc` removed it; run the command again',
            exitCode: ExitCode.runtime,
          });
        }
      }
      index.manifests.push(
        versionEntry({ digest: item.digest, size: item.size, artifactType: item.manifest.artifactType }, { kind, name, version, created }),
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
