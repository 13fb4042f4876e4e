import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import {
  ErrorCode,
  ExitCode,
  MlshipError,
  captureEnvironment,
  captureGit,
  digestOf,
  fromFsError,
  parseRef,
  versionRef,
  withoutCredentials,
  type ArtifactKind,
  type Digest,
  type EnvironmentFacts,
  type GitFacts,
} from '@mlship/core';
import type { Descriptor, OciManifest } from '@mlship/oci';
import { hasBlob, writeBlob, type BlobSource } from './blobs.js';
import { fileNamesProblem } from './file-names.js';
import { buildCatalog, nextVersion, readIndex, versionEntry, writeIndex } from './index-file.js';
import { registerWriter, withRegistryLock } from './lock.js';
import { Annotation, MediaType, artifactTypeOf } from './media-types.js';
import { findVersionEntry } from './resolve.js';
import type { ArtifactFile, ArtifactMetadata, ParentLink } from './types.js';

/** A file to store: from a path on disk, or from bytes or a stream with the name to give it. */
export type FileInput =
  | { path: string; name?: string; mediaType?: string }
  | { name: string; data: Uint8Array | string | Readable; mediaType?: string };

export interface PutOptions {
  registry: string;
  kind: ArtifactKind;
  name: string;
  files: FileInput[];
  /** Refs of the artifacts this one derives from; each is resolved and recorded with its digest. */
  parents?: string[];
  params?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  /** Key=value pairs (`registry put --meta`), stored as the metadata's `labels`. */
  metadataLabels?: Record<string, string>;
  status?: 'ok' | 'failed';
  extra?: Record<string, unknown>;
  /** Git facts to record; by default those of the working directory. */
  git?: GitFacts | null;
  environment?: EnvironmentFacts;
  onProgress?: (event: { file: string; bytes: number; totalBytes: number | undefined }) => void;
  /**
   * Small files that name the version itself (a model card), made under the registry lock once the
   * number is taken, from the version, its ref, its creation time and the content digest of `files`.
   * They are stored like the others and count in the version's content digest.
   */
  versionedFiles?: (version: VersionFacts) => Array<{ name: string; data: Uint8Array | string; mediaType?: string }>;
}

/** What `versionedFiles` is told about the version being committed. */
export interface VersionFacts {
  version: number;
  ref: string;
  created: string;
  /** The content digest of the other files (`files`). */
  filesDigest: Digest;
}

export interface PutResult {
  ref: string;
  kind: ArtifactKind;
  name: string;
  version: number;
  digest: Digest;
  contentDigest: Digest;
  files: ArtifactFile[];
}

function checkFileNames(names: string[]): void {
  const problem = fileNamesProblem(names);
  if (problem) {
    throw new MlshipError(ErrorCode.usage, problem, {
      hint: 'file names use letters, digits, ".", "_", "+" and "-", with "/" between folders, and must be distinct',
      exitCode: ExitCode.usage,
    });
  }
}

function specialFileType(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'a special file';
}

/** Digest over the file names and digests, independent of metadata and time. */
export function contentDigestOf(files: Array<{ name: string; digest: Digest }>): Digest {
  const lines = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => `${f.name}\0${f.digest}\n`);
  return digestOf(lines.join(''));
}

async function resolveParents(root: string, parents: string[]): Promise<ParentLink[]> {
  if (parents.length === 0) return [];
  const catalog = buildCatalog(await readIndex(root));
  return parents.map((text) => {
    const ref = parseRef(text);
    const { entry, version } = findVersionEntry(catalog, ref);
    return { ref: versionRef(ref.kind, ref.name, version), digest: entry.digest };
  });
}

/**
 * Stores files as the next version of `<kind>/<name>`. Blobs stream in (bounded memory), then the
 * version number is taken and index.json rewritten under the registry lock: a crash leaves either
 * no new version or a complete one.
 */
export async function putArtifact(options: PutOptions): Promise<PutResult> {
  const root = options.registry;
  if (options.files.length === 0) {
    throw new MlshipError(ErrorCode.usage, 'no files to store', { hint: 'name at least one file', exitCode: ExitCode.usage });
  }
  const names = options.files.map((file) => file.name ?? basename((file as { path: string }).path));
  checkFileNames(names);
  const sizes: Array<number | undefined> = [];
  for (const file of options.files) {
    if ('path' in file) {
      const info = await stat(file.path).catch((error: unknown) => {
        throw fromFsError(error, file.path, 'cannot store file');
      });
      if (info.isDirectory()) throw fromFsError(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), file.path, 'cannot store file');
      if (!info.isFile()) {
        throw new MlshipError(ErrorCode.usage, `cannot store file: ${file.path} is not a regular file (${specialFileType(info)})`, {
          hint: 'store regular files; write what a pipe or device gives into a file first',
          exitCode: ExitCode.usage,
        });
      }
      sizes.push(info.size);
    } else {
      sizes.push(typeof file.data === 'string' || file.data instanceof Uint8Array ? Buffer.byteLength(file.data) : undefined);
    }
  }
  const parents = await resolveParents(root, options.parents ?? []);
  const given = options.git !== undefined ? options.git : await captureGit();
  // A caller's git facts are cleaned as captured ones are: no credentials in a recorded remote.
  const git = given?.remote === undefined ? given : withoutRemoteCredentials(given);
  const environment = options.environment ?? captureEnvironment();

  const unregister = await registerWriter(root);
  try {
    const layers: Descriptor[] = [];
    const files: ArtifactFile[] = [];
    for (const [position, file] of options.files.entries()) {
      const name = names[position]!;
      // A file that claims 0 bytes is read rather than copied: procfs files report 0 and have content.
      const source: BlobSource =
        'path' in file ? (sizes[position] === 0 ? createReadStream(file.path) : file.path) : typeof file.data === 'string' ? Buffer.from(file.data) : file.data;
      const written = await writeBlob(root, source, {
        onBytes: (bytes) => options.onProgress?.({ file: name, bytes, totalBytes: sizes[position] }),
      }).catch((error: unknown) => {
        throw 'path' in file ? fromFsError(error, file.path, 'cannot store file') : error;
      });
      const mediaType = file.mediaType ?? MediaType.file;
      layers.push({ mediaType, digest: written.digest, size: written.size, annotations: { [Annotation.title]: name } });
      files.push({ name, digest: written.digest, size: written.size, mediaType });
    }
    const filesDigest = contentDigestOf(files);

    return await withRegistryLock(root, async (assertHeld) => {
      const index = await readIndex(root);
      const version = nextVersion(buildCatalog(index), options.kind, options.name);
      const created = new Date().toISOString();
      if (options.versionedFiles) {
        const ref = versionRef(options.kind, options.name, version);
        const extra = options.versionedFiles({ version, ref, created, filesDigest });
        checkFileNames([...names, ...extra.map((file) => file.name)]);
        for (const file of extra) {
          const written = await writeBlob(root, Buffer.from(file.data));
          const mediaType = file.mediaType ?? MediaType.file;
          layers.push({ mediaType, digest: written.digest, size: written.size, annotations: { [Annotation.title]: file.name } });
          files.push({ name: file.name, digest: written.digest, size: written.size, mediaType });
        }
      }
      const contentDigest = options.versionedFiles ? contentDigestOf(files) : filesDigest;
      const metadata: ArtifactMetadata = {
        schemaVersion: 1,
        kind: options.kind,
        name: options.name,
        version,
        created,
        contentDigest,
        ...(options.status ? { status: options.status } : {}),
        parents,
        params: options.params ?? {},
        metrics: options.metrics ?? {},
        labels: options.metadataLabels ?? {},
        git,
        environment,
        ...(options.extra ? { extra: options.extra } : {}),
      };
      const configBytes = Buffer.from(JSON.stringify(metadata));
      const config = await writeBlob(root, configBytes);
      const manifest: OciManifest = {
        schemaVersion: 2,
        mediaType: MediaType.imageManifest,
        artifactType: artifactTypeOf(options.kind),
        config: { mediaType: MediaType.metadata, digest: config.digest, size: config.size },
        layers,
        annotations: { [Annotation.created]: created, [Annotation.refName]: versionRef(options.kind, options.name, version) },
      };
      const manifestBlob = await writeBlob(root, Buffer.from(JSON.stringify(manifest)));
      // A concurrent gc may have removed a layer written before the lock was taken.
      for (const layer of layers) {
        if (!(await hasBlob(root, layer.digest))) {
          throw new MlshipError(ErrorCode.conflict, `blob ${layer.digest} vanished before the version was committed`, {
            hint: 'a concurrent `registry gc` removed it; run the command again',
            exitCode: ExitCode.runtime,
          });
        }
      }
      index.manifests.push(
        versionEntry(
          { digest: manifestBlob.digest, size: manifestBlob.size, artifactType: manifest.artifactType },
          { kind: options.kind, name: options.name, version, created },
        ),
      );
      await assertHeld();
      await writeIndex(root, index);
      return {
        ref: versionRef(options.kind, options.name, version),
        kind: options.kind,
        name: options.name,
        version,
        digest: manifestBlob.digest,
        contentDigest,
        files,
      };
    });
  } finally {
    await unregister();
  }
}

function withoutRemoteCredentials(git: GitFacts): GitFacts {
  const { remote, ...rest } = git;
  const clean = remote === undefined ? undefined : withoutCredentials(remote);
  return clean === undefined ? rest : { ...rest, remote: clean };
}
