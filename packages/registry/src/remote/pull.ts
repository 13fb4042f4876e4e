import { Readable } from 'node:stream';
import { ErrorCode, ExitCode, MlshipError, digestOf, isValidName, versionRef, type Digest } from '@mlship/core';
import { type Descriptor, type OciIndex, type OciManifest, isImageConfigMediaType, isIndexMediaType, isManifestMediaType } from '@mlship/oci';
import { hasBlob, integrityError, readBlobVerified, writeBlob, MAX_DOCUMENT_BYTES } from '../blobs.js';
import { parseJsonDocument } from '../documents.js';
import { indexSchema, manifestSchema } from '../schemas.js';
import { addVersions, loadIncoming } from '../ingest.js';
import { registerWriter } from '../lock.js';
import { isImageTree, readManifestTree, treeBlobs, treeManifests } from '../manifest-tree.js';
import { ImageLabel, MediaType } from '../media-types.js';
import { putImage } from '../put-image.js';
import { OciClient } from './client.js';
import { formatOciLocation, parseOciLocation } from './oci-url.js';

export interface PullResult {
  ref: string;
  location: string;
  digest: Digest;
  /** False when this exact version was already stored. */
  added: boolean;
  blobsDownloaded: number;
  blobsSkipped: number;
}

/** Every manifest type a pull accepts, for the Accept header. */
const MANIFEST_TYPES = [MediaType.imageManifest, MediaType.imageIndex, MediaType.dockerManifest, MediaType.dockerManifestList];

/** The media type of a fetched manifest: the one the server names, else the document's own, else its shape. */
function mediaTypeOf(header: string | null, document: { mediaType?: unknown; manifests?: unknown }): string {
  const named = header?.split(';')[0]?.trim();
  if (named && (isManifestMediaType(named) || isIndexMediaType(named))) return named;
  if (typeof document.mediaType === 'string') return document.mediaType;
  return Array.isArray(document.manifests) ? MediaType.imageIndex : MediaType.imageManifest;
}

/**
 * Pulls an mlship artifact from an OCI registry into the store, verifying every blob it downloads.
 * A container image (an image manifest or index) is stored as the next version of `images/<name>`:
 * `name` says which; without it, an image mlship built (it has the `dev.mlship.model.ref` label) takes the
 * last part of the repository as its name, and any other image is refused.
 */
export async function pullArtifact(options: {
  registry: string;
  from: string;
  insecure?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Store a container image as `images/<name>`. */
  name?: string;
  onProgress?: (event: { digest: string; downloaded: boolean; bytes: number }) => void;
}): Promise<PullResult> {
  const root = options.registry;
  const location = parseOciLocation(options.from);
  const reference = location.digest ?? location.tag;
  if (reference === undefined) {
    throw new MlshipError(ErrorCode.usage, `no tag or digest in ${options.from}`, {
      hint: 'add :TAG or @sha256:… (registry push tags a version with its number by default)',
      exitCode: ExitCode.usage,
    });
  }
  const client = new OciClient(location, { insecure: options.insecure, actions: 'pull', env: options.env });
  const response = await client.request({
    method: 'GET',
    path: client.repoPath(`manifests/${reference}`),
    headers: { accept: MANIFEST_TYPES.join(', ') },
    accept: [200],
  });
  const manifestBytes = Buffer.from(await response.arrayBuffer());
  const digest = digestOf(manifestBytes);
  const claimed = location.digest ?? response.headers.get('docker-content-digest') ?? digest;
  if (claimed !== digest) throw integrityError(claimed, digest, formatOciLocation(location));
  if (manifestBytes.length > MAX_DOCUMENT_BYTES) {
    throw new MlshipError(ErrorCode.remote, `${formatOciLocation(location)} returned a manifest of ${manifestBytes.length} bytes`, { exitCode: ExitCode.runtime });
  }
  const malformed = (error: unknown) =>
    new MlshipError(ErrorCode.remote, `${formatOciLocation(location)} returned a malformed manifest: ${(error as Error).message}`, {
      hint: 'the remote artifact is damaged, or not an OCI image manifest',
      exitCode: ExitCode.runtime,
    });
  let document: { mediaType?: unknown; manifests?: unknown; config?: { mediaType?: unknown } };
  try {
    document = JSON.parse(manifestBytes.toString('utf8')) as typeof document;
    if (typeof document !== 'object' || document === null) throw new Error('not a JSON object');
  } catch (error) {
    throw malformed(error);
  }
  const mediaType = mediaTypeOf(response.headers.get('content-type'), document);
  const top = { mediaType, digest, size: manifestBytes.length };
  const source = formatOciLocation(location);
  if (isIndexMediaType(mediaType) || (typeof document.config?.mediaType === 'string' && isImageConfigMediaType(document.config.mediaType))) {
    return pullImage({ root, client, top, bytes: manifestBytes, source, name: options.name, onProgress: options.onProgress });
  }
  let manifest: OciManifest;
  try {
    manifest = parseJsonDocument<OciManifest>(manifestBytes, manifestSchema, 'manifest', digest);
  } catch (error) {
    throw malformed(error);
  }
  if (manifest.config?.mediaType !== MediaType.metadata) {
    throw new MlshipError(ErrorCode.usage, `${source} is not an mlship artifact (config ${manifest.config?.mediaType})`, {
      hint: 'pull only what `mlship registry push` pushed, or a container image',
      exitCode: ExitCode.usage,
    });
  }
  const unregister = await registerWriter(root);
  try {
    let downloaded = 0;
    let skipped = 0;
    for (const blob of [manifest.config, ...manifest.layers]) {
      if (await hasBlob(root, blob.digest)) {
        skipped += 1;
        options.onProgress?.({ digest: blob.digest, downloaded: false, bytes: 0 });
        continue;
      }
      await downloadBlob(root, client, blob);
      downloaded += 1;
      options.onProgress?.({ digest: blob.digest, downloaded: true, bytes: blob.size });
    }
    await writeBlob(root, manifestBytes, { expected: digest });
    const incoming = await loadIncoming(root, digest, manifestBytes.length, source);
    const added = await addVersions(root, [incoming]);
    const { kind, name, version } = incoming;
    return {
      ref: versionRef(kind, name, version),
      location: source,
      digest,
      added: added.added.length > 0,
      blobsDownloaded: downloaded,
      blobsSkipped: skipped,
    };
  } finally {
    await unregister();
  }
}

async function downloadBlob(root: string, client: OciClient, blob: Descriptor): Promise<void> {
  const got = await client.request({ method: 'GET', path: client.repoPath(`blobs/${blob.digest}`), accept: [200] });
  if (!got.body) throw new MlshipError(ErrorCode.remote, `empty body for blob ${blob.digest}`, { exitCode: ExitCode.runtime });
  await writeBlob(root, Readable.fromWeb(got.body as import('node:stream/web').ReadableStream<Uint8Array>), { expected: blob.digest });
}

/**
 * Pulls a container image: its manifests and configs first (child manifests by digest), so that its
 * name can be checked before the layers are downloaded; then the layers; then `putImage` names it.
 */
async function pullImage(options: {
  root: string;
  client: OciClient;
  top: Descriptor;
  bytes: Buffer;
  source: string;
  name: string | undefined;
  onProgress: ((event: { digest: string; downloaded: boolean; bytes: number }) => void) | undefined;
}): Promise<PullResult> {
  const { root, client, top, source } = options;
  let downloaded = 0;
  let skipped = 0;
  const seen = new Set<string>([top.digest]);
  const fetchBlob = async (blob: Descriptor, fetch: () => Promise<void>) => {
    if (seen.has(blob.digest)) return;
    seen.add(blob.digest);
    if (await hasBlob(root, blob.digest)) {
      skipped += 1;
      options.onProgress?.({ digest: blob.digest, downloaded: false, bytes: 0 });
      return;
    }
    await fetch();
    downloaded += 1;
    options.onProgress?.({ digest: blob.digest, downloaded: true, bytes: blob.size });
  };
  const fetchManifest = (descriptor: Descriptor) =>
    fetchBlob(descriptor, async () => {
      const response = await client.request({
        method: 'GET',
        path: client.repoPath(`manifests/${descriptor.digest}`),
        headers: { accept: [descriptor.mediaType, ...MANIFEST_TYPES.filter((type) => type !== descriptor.mediaType)].join(', ') },
        accept: [200],
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      if (bytes.length > MAX_DOCUMENT_BYTES) throw integrityError(descriptor.digest, digestOf(bytes), source);
      await writeBlob(root, bytes, { expected: descriptor.digest });
    });
  /** Stores the documents under a manifest or index: child manifests and configs (not layers). */
  const fetchDocuments = async (descriptor: Descriptor, depth: number): Promise<void> => {
    const bytes = await readBlobVerified(root, descriptor.digest);
    if (isIndexMediaType(descriptor.mediaType)) {
      if (depth >= 4) throw new MlshipError(ErrorCode.remote, `${source} nests image indexes too deeply`, { exitCode: ExitCode.runtime });
      const index = parseRemote<OciIndex>(bytes, indexSchema, descriptor.digest, source);
      for (const child of index.manifests) {
        await fetchManifest(child);
        await fetchDocuments(child, depth + 1);
      }
    } else {
      const manifest = parseRemote<OciManifest>(bytes, manifestSchema, descriptor.digest, source);
      await fetchBlob(manifest.config, () => downloadBlob(root, client, manifest.config));
    }
  };

  const unregister = await registerWriter(root);
  try {
    await writeBlob(root, options.bytes, { expected: top.digest });
    await fetchDocuments(top, 0);
    const tree = await readManifestTree(root, top);
    const labels = treeManifests(tree).find((manifest) => manifest.imageConfig?.config?.Labels)?.imageConfig?.config?.Labels ?? {};
    const name = options.name ?? (labels[ImageLabel.modelRef] ? defaultImageName(client.location.repository) : undefined);
    if (name === undefined || !isImageTree(tree)) {
      throw new MlshipError(ErrorCode.usage, `${source} is not an mlship artifact${isImageTree(tree) ? ' nor an image mlship built' : ''}`, {
        hint: isImageTree(tree) ? 'to store the container image as images/NAME, pass --name NAME' : 'pull only what `mlship registry push` pushed',
        exitCode: ExitCode.usage,
      });
    }
    for (const blob of treeBlobs(tree)) await fetchBlob(blob, () => downloadBlob(root, client, blob));
    const put = await putImage({ registry: root, name, manifest: top });
    return { ref: put.ref, location: source, digest: top.digest, added: !put.reused, blobsDownloaded: downloaded, blobsSkipped: skipped };
  } finally {
    await unregister();
  }
}

function parseRemote<T>(bytes: Buffer, schema: object, digest: string, source: string): T {
  try {
    return parseJsonDocument<T>(bytes, schema, 'manifest', digest);
  } catch (error) {
    throw new MlshipError(ErrorCode.remote, `${source} returned a malformed manifest: ${(error as Error).message}`, {
      hint: 'the remote image is damaged, or not an OCI image',
      exitCode: ExitCode.runtime,
    });
  }
}

/** The last part of a repository (`team/iris-cpu` → `iris-cpu`), when it is a valid mlship name. */
function defaultImageName(repository: string): string | undefined {
  const last = repository.split('/').at(-1) ?? '';
  return isValidName(last) ? last : undefined;
}
