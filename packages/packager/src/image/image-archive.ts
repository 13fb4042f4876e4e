import { open, rename, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fromFsError, fsyncDir, hexOf, tempPathFor, usageError, type Digest } from '@mlship/core';
import {
  ImageMediaType,
  OCI_LAYOUT_VERSION,
  OciAnnotation,
  canonicalBytes,
  createTarPack,
  isIndexMediaType,
  isManifestMediaType,
  writeTarEntry,
  type Descriptor,
  type OciIndex,
  type Platform,
} from '@mlship/oci';
import { openBlobStream, readBlobVerified, MAX_DOCUMENT_BYTES } from '@mlship/registry';
import { malformedBase, parseJson, parseManifest } from './base-documents.js';
import { formatPlatform, platformMatches } from './platform.js';
import { parseRegistryReference } from './reference.js';

export interface WriteImageArchiveOptions {
  registry: string;
  /** The image: an image manifest or image index in the store. */
  digest: Digest;
  mediaType: string;
  file: string;
  /** The name loaders give the image, e.g. `localhost/iris:1`; none: loaded untagged. */
  repoTag?: string;
  /**
   * For an index: the platform whose manifest goes into the Docker manifest.json (Docker loads one
   * image per tag); linux/amd64 by default, else the index's first. The OCI part keeps all platforms.
   */
  dockerPlatform?: Platform;
}

export interface ImageArchiveResult {
  file: string;
  digest: Digest;
  /** The image manifest that manifest.json describes. */
  dockerManifest: Digest;
  blobs: number;
  bytes: number;
}

const CONTAINERD_NAME = 'io.containerd.image.name';

const blobEntry = (digest: Digest) => `blobs/sha256/${hexOf(digest)}`;

/** The full name Docker and containerd record for a tag (`docker.io/library/x:1`, `localhost/x:1`). */
function containerdName(repoTag: string): string {
  return parseRegistryReference(repoTag, repoTag).name;
}

/**
 * Writes an image as one tar that every loader reads: an OCI image layout (`oci-layout`, `index.json`
 * whose single entry carries the tag as `org.opencontainers.image.ref.name`, `blobs/sha256/…`) for
 * skopeo (`oci-archive:FILE`) and podman, plus Docker's `manifest.json` for `docker load`. Deterministic
 * (fixed order, mtime 0, mode 0644, uid/gid 0); blobs are verified as they are read; the file appears
 * only when complete (temp file, fsync, rename).
 */
export async function writeImageArchive(options: WriteImageArchiveOptions): Promise<ImageArchiveResult> {
  const root = options.registry;
  if (!isIndexMediaType(options.mediaType) && !isManifestMediaType(options.mediaType)) {
    throw usageError(`${options.mediaType} is neither an image manifest nor an image index`, 'pass the media type buildImage returned');
  }
  if (options.repoTag !== undefined) {
    try {
      containerdName(options.repoTag);
    } catch {
      throw usageError(`bad image name "${options.repoTag}"`, 'write it as REPO:TAG, e.g. localhost/iris:1');
    }
  }
  const top = await readBlobVerified(root, options.digest);
  const where = `image ${options.digest}`;
  const topDocument = parseJson<{ mediaType?: string }>(top, where);
  if (topDocument.mediaType !== undefined && topDocument.mediaType !== options.mediaType) {
    throw usageError(`image ${options.digest} is a ${topDocument.mediaType}, not a ${options.mediaType}`, 'pass the media type buildImage returned');
  }

  // Every blob once, in a fixed order: the top document, then each manifest with its config and layers.
  const blobs = new Map<Digest, number>([[options.digest, top.length]]);
  const small = new Map<Digest, Buffer>([[options.digest, top]]);
  const manifests: Array<{ descriptor: Descriptor; config: Digest; layers: Digest[] }> = [];
  const entries: Descriptor[] = isIndexMediaType(options.mediaType)
    ? (topDocument as OciIndex).manifests ?? []
    : [{ mediaType: options.mediaType, digest: options.digest, size: top.length }];
  if (entries.length === 0) throw malformedBase(where, 'the index lists no manifests');
  for (const entry of entries) {
    if (isIndexMediaType(entry.mediaType)) throw malformedBase(where, 'nested indexes are not supported');
    const bytes = small.get(entry.digest) ?? (await readBlobVerified(root, entry.digest));
    const manifest = parseManifest(bytes, `manifest ${entry.digest}`);
    blobs.set(entry.digest, bytes.length);
    small.set(entry.digest, bytes);
    blobs.set(manifest.config.digest, manifest.config.size);
    for (const layer of manifest.layers) blobs.set(layer.digest, layer.size);
    manifests.push({ descriptor: entry, config: manifest.config.digest, layers: manifest.layers.map((layer) => layer.digest) });
  }
  const want = options.dockerPlatform ?? { os: 'linux', architecture: 'amd64' };
  const docker =
    manifests.length === 1
      ? manifests[0]!
      : manifests.find((manifest) => manifest.descriptor.platform && platformMatches(want, manifest.descriptor.platform)) ??
        (options.dockerPlatform ? undefined : manifests[0]);
  if (!docker) {
    const available = manifests.map((manifest) => (manifest.descriptor.platform ? formatPlatform(manifest.descriptor.platform) : '?'));
    throw usageError(`image ${options.digest} has no ${formatPlatform(want)} manifest for docker load`, `it has ${available.join(', ')}`);
  }

  const annotations: Record<string, string> | undefined = options.repoTag
    ? { [CONTAINERD_NAME]: containerdName(options.repoTag), [OciAnnotation.refName]: options.repoTag }
    : undefined;
  const index = {
    schemaVersion: 2,
    mediaType: ImageMediaType.ociIndex,
    manifests: [{ mediaType: options.mediaType, digest: options.digest, size: top.length, ...(annotations ? { annotations } : {}) }],
  };
  const dockerManifest = [
    {
      Config: blobEntry(docker.config),
      RepoTags: options.repoTag ? [options.repoTag] : [],
      Layers: docker.layers.map(blobEntry),
    },
  ];

  const out = resolve(options.file);
  const temp = tempPathFor(out);
  const handle = await open(temp, 'wx', 0o644).catch((error: unknown) => {
    throw fromFsError(error, out, 'cannot write the image archive');
  });
  const pack = createTarPack();
  const written = pipeline(pack as unknown as AsyncIterable<Buffer>, handle.createWriteStream()).catch((error: unknown) => {
    throw fromFsError(error, out, 'cannot write the image archive');
  });
  written.catch(() => undefined); // awaited below; never an unhandled rejection
  const header = (name: string, size: number, type: 'file' | 'directory' = 'file') => ({
    name,
    size,
    type,
    mode: type === 'directory' ? 0o755 : 0o644,
    mtime: new Date(0),
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
  });
  // A failed write ends the pack; `written` ends the wait for an entry that would never finish.
  const add = (name: string, content: Buffer | Readable, size: number, type: 'file' | 'directory' = 'file') => writeTarEntry(pack, header(name, size, type), content, written);
  let bytes = 0;
  try {
    const layout = Buffer.from(JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }));
    await add('oci-layout', layout, layout.length);
    const indexBytes = canonicalBytes(index);
    await add('index.json', indexBytes, indexBytes.length);
    const dockerBytes = canonicalBytes(dockerManifest);
    await add('manifest.json', dockerBytes, dockerBytes.length);
    await add('blobs/', Buffer.alloc(0), 0, 'directory');
    await add('blobs/sha256/', Buffer.alloc(0), 0, 'directory');
    for (const [digest, size] of blobs) {
      const held = small.get(digest);
      const content = held ?? (size <= MAX_DOCUMENT_BYTES ? await readBlobVerified(root, digest) : await openBlobStream(root, digest, size));
      if (Buffer.isBuffer(content) && content.length !== size) throw malformedBase(where, `blob ${digest} is ${content.length} bytes, its descriptor says ${size}`);
      await add(blobEntry(digest), content, size);
      bytes += size;
    }
    pack.finalize();
    await written;
    const flush = await open(temp, 'r+');
    await flush.sync().finally(() => flush.close());
    await rename(temp, out).catch((error: unknown) => {
      throw fromFsError(error, out, 'cannot write the image archive');
    });
    await fsyncDir(dirname(out));
  } catch (error) {
    pack.destroy();
    // The file is written to the end (or fails) before the temp file goes.
    await Promise.allSettled([written]);
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return { file: out, digest: options.digest, dockerManifest: docker.descriptor.digest, blobs: blobs.size, bytes };
}
