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
import { readManifest, readMetadata } from './documents.js';
import { fileNamesProblem } from './file-names.js';
import { buildCatalog, latestVersion, nameKey, nextVersion, readIndex, versionEntry, writeIndex, type Catalog } from './index-file.js';
import { registerWriter, withRegistryLock } from './lock.js';
import { Annotation, MediaType, artifactTypeOf } from './media-types.js';
import { findByDigest, findVersionEntry, loadVersion } from './resolve.js';
import type { ArtifactFile, ArtifactMetadata, ParentLink } from './types.js';
import { versionStatus } from './version-status.js';

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
  /** `failed` when a gate refused the version. A version with a failed parent is stored `failed` whatever this says. */
  status?: 'ok' | 'failed';
  extra?: Record<string, unknown>;
  /**
   * Return the latest version of the name, adding none, when it is identical to this one: the same
   * status, the same parents (by digest) and the same files, that is every file of `files` (`true`;
   * the latest must hold exactly these, by name and digest) or the files named in `files` (`{ files }`:
   * the files that make the version what it is, e.g. a model's weights, not its report; needed with
   * `versionedFiles`, which always differ). Metadata (params, metrics, labels, git, environment) is
   * not compared: the version returned keeps its own. Off by default.
   */
  reuse?: boolean | { files: readonly string[] };
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
  /** The status stored: `failed` when the caller said so or a parent is failed; absent when neither said anything. */
  status?: 'ok' | 'failed';
  /** The parents marked failed, which made this version failed (empty when none). */
  failedParents: string[];
  /** True when the latest version was identical (`reuse`) and is returned instead of a new one. */
  reused: boolean;
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

/** The parents as version links, and those of them marked failed (read from their metadata, verified). */
async function resolveParents(root: string, parents: string[]): Promise<{ links: ParentLink[]; failed: string[] }> {
  if (parents.length === 0) return { links: [], failed: [] };
  const index = await readIndex(root);
  const catalog = buildCatalog(index);
  const links: ParentLink[] = [];
  const failed: string[] = [];
  for (const text of parents) {
    const ref = parseRef(text);
    const { entry, version } = findVersionEntry(catalog, ref);
    const link = { ref: versionRef(ref.kind, ref.name, version), digest: entry.digest };
    links.push(link);
    if (versionStatus((await loadVersion(root, index, entry)).metadata) === 'failed' && !failed.includes(link.ref)) failed.push(link.ref);
  }
  return { links, failed };
}

/** A parent removed (`registry rm`) between its resolution and the commit would leave a dangling link: refused. */
function checkParentsPresent(catalog: Catalog, parents: ParentLink[]): void {
  for (const parent of parents) {
    if (!findByDigest(catalog, parent.digest)) {
      throw new MlshipError(ErrorCode.conflict, `parent ${parent.ref} was removed before the version was committed`, {
        hint: 'a concurrent `registry rm` or `prune` removed it; name a parent that is stored',
        exitCode: ExitCode.usage,
      });
    }
  }
}

/** `name\0digest` lines of the files that count for `reuse`, sorted; undefined when none counts. */
function identityOf(files: Array<{ name: string; digest: Digest }>, names: readonly string[] | undefined): string | undefined {
  const counted = names === undefined ? files : files.filter((file) => names.includes(file.name));
  if (counted.length === 0) return undefined;
  return counted
    .map((file) => `${file.name}\0${file.digest}`)
    .sort()
    .join('\n');
}

const parentKey = (parents: ParentLink[]): string => [...new Set(parents.map((parent) => parent.digest))].sort().join(',');

/**
 * The latest version of `kind/name` when it is identical to the version about to be stored (see
 * `PutOptions.reuse`); undefined otherwise, also when it cannot be read (a new version is then stored).
 */
async function identicalLatest(
  root: string,
  catalog: Catalog,
  put: { kind: ArtifactKind; name: string; files: ArtifactFile[]; parents: ParentLink[]; status: 'ok' | 'failed' | undefined; names: readonly string[] | undefined },
): Promise<PutResult | undefined> {
  const version = latestVersion(catalog, put.kind, put.name);
  const entry = catalog.versions.get(nameKey(put.kind, put.name))?.get(version);
  const identity = identityOf(put.files, put.names);
  if (!entry || identity === undefined || entry.mediaType !== MediaType.imageManifest) return undefined;
  try {
    const manifest = await readManifest(root, entry.digest);
    if (manifest.config.mediaType !== MediaType.metadata) return undefined;
    const metadata = await readMetadata(root, manifest.config.digest);
    const files: ArtifactFile[] = manifest.layers.map((layer, position) => ({
      name: layer.annotations?.[Annotation.title] ?? `layer-${position}`,
      digest: layer.digest,
      size: layer.size,
      mediaType: layer.mediaType,
    }));
    if (identityOf(files, put.names) !== identity) return undefined;
    if (parentKey(metadata.parents) !== parentKey(put.parents)) return undefined;
    if (versionStatus(metadata) !== versionStatus({ status: put.status })) return undefined;
    return {
      ref: versionRef(put.kind, put.name, version),
      kind: put.kind,
      name: put.name,
      version,
      digest: entry.digest,
      contentDigest: metadata.contentDigest,
      files,
      ...(metadata.status ? { status: metadata.status } : {}),
      failedParents: [],
      reused: true,
    };
  } catch {
    return undefined;
  }
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
  if (options.reuse !== undefined && options.reuse !== false && options.reuse !== true && options.reuse.files.length === 0) {
    throw new MlshipError(ErrorCode.usage, 'reuse names no files to compare', { hint: 'name the files that make the version what it is', exitCode: ExitCode.usage });
  }
  if (options.reuse === true && options.versionedFiles) {
    throw new MlshipError(ErrorCode.usage, 'reuse: true cannot compare versioned files, which always differ', { hint: 'pass reuse: { files: [...] }', exitCode: ExitCode.usage });
  }
  const { links: parents, failed: failedParents } = await resolveParents(root, options.parents ?? []);
  // What derives from a failed version is failed.
  const status = failedParents.length > 0 ? 'failed' : options.status;
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

    return await withRegistryLock(root, async (assertHeld): Promise<PutResult> => {
      const index = await readIndex(root);
      const catalog = buildCatalog(index);
      checkParentsPresent(catalog, parents);
      if (options.reuse) {
        const names = options.reuse === true ? undefined : options.reuse.files;
        const same = await identicalLatest(root, catalog, { kind: options.kind, name: options.name, files, parents, status, names });
        if (same) return { ...same, failedParents };
      }
      const version = nextVersion(catalog, options.kind, options.name);
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
        ...(status ? { status } : {}),
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
        ...(status ? { status } : {}),
        failedParents,
        reused: false,
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
