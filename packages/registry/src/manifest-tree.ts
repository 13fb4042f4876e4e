import { stat } from 'node:fs/promises';
import { ErrorCode, ExitCode, MlshipError, type Digest } from '@mlship/core';
import { type Descriptor, type OciIndex, type OciManifest, isImageConfigMediaType, isIndexMediaType, isManifestMediaType } from '@mlship/oci';
import { missingBlobError, readBlobVerified } from './blobs.js';
import { parseJsonDocument } from './documents.js';
import { blobPath } from './layout.js';
import { imageConfigSchema, indexSchema, manifestSchema } from './schemas.js';

/** The parts of a container image config that mlship reads (OCI image spec; Docker's has the same shape). */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  config?: {
    Labels?: Record<string, string> | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    ExposedPorts?: Record<string, unknown> | null;
    WorkingDir?: string;
    User?: string;
  } | null;
}

/** A manifest or an image index, read from the store and verified, with everything below it. */
export type ManifestNode =
  | { type: 'index'; descriptor: Descriptor; bytes: Buffer; index: OciIndex; children: ManifestNode[] }
  | {
      type: 'manifest';
      descriptor: Descriptor;
      bytes: Buffer;
      manifest: OciManifest;
      /** Parsed when the config is a container image config; other configs (mlship metadata…) are left alone. */
      imageConfig: ImageConfig | undefined;
    };

/** Image indexes may nest; deeper than this is refused rather than followed. */
const MAX_DEPTH = 4;

export interface ReadTreeOptions {
  /** Also check that every layer (and non-image config) blob is present with its recorded size. */
  checkBlobs?: boolean;
  /** The error for a blob that is not in the store; by default MLSHIP_E_REGISTRY_CORRUPT. */
  missing?: (digest: Digest, what: string) => Error;
}

function corrupt(message: string): MlshipError {
  return new MlshipError(ErrorCode.registryCorrupt, message, { hint: 'run `mlship registry verify`', exitCode: ExitCode.runtime });
}

async function presentSize(root: string, digest: Digest): Promise<number | undefined> {
  const info = await stat(blobPath(root, digest)).catch(() => undefined);
  return info?.isFile() ? info.size : undefined;
}

async function readDocument(root: string, descriptor: Descriptor, what: string, options: ReadTreeOptions): Promise<Buffer> {
  if (options.missing && (await presentSize(root, descriptor.digest)) === undefined) throw options.missing(descriptor.digest, what);
  const bytes = await readBlobVerified(root, descriptor.digest);
  if (bytes.length !== descriptor.size) {
    throw corrupt(`${what} ${descriptor.digest} is ${bytes.length} bytes, but its descriptor says ${descriptor.size}`);
  }
  return bytes;
}

async function checkBlob(root: string, descriptor: Descriptor, what: string, options: ReadTreeOptions): Promise<void> {
  const size = await presentSize(root, descriptor.digest);
  if (size === undefined) throw options.missing?.(descriptor.digest, what) ?? missingBlobError(descriptor.digest);
  if (size !== descriptor.size) throw corrupt(`${what} ${descriptor.digest} is ${size} bytes, but its descriptor says ${descriptor.size}`);
}

/**
 * Reads the manifest or image index a descriptor names, and below an index every child, each
 * hashed against its digest and checked against its schema; image configs are parsed too.
 * Layers are not read (with `checkBlobs`, their presence and size are checked).
 */
export async function readManifestTree(root: string, descriptor: Descriptor, options: ReadTreeOptions = {}, depth = 0): Promise<ManifestNode> {
  if (isIndexMediaType(descriptor.mediaType)) {
    if (depth >= MAX_DEPTH) throw corrupt(`image index ${descriptor.digest} nests indexes deeper than ${MAX_DEPTH} levels`);
    const bytes = await readDocument(root, descriptor, 'image index', options);
    const index = parseJsonDocument<OciIndex>(bytes, indexSchema, 'image index', descriptor.digest);
    checkOwnMediaType(index.mediaType, descriptor);
    const children: ManifestNode[] = [];
    for (const child of index.manifests) children.push(await readManifestTree(root, child, options, depth + 1));
    return { type: 'index', descriptor, bytes, index, children };
  }
  if (!isManifestMediaType(descriptor.mediaType)) {
    throw corrupt(`${descriptor.digest} has media type ${descriptor.mediaType}, neither an image manifest nor an image index`);
  }
  const bytes = await readDocument(root, descriptor, 'manifest', options);
  const manifest = parseJsonDocument<OciManifest>(bytes, manifestSchema, 'manifest', descriptor.digest);
  checkOwnMediaType(manifest.mediaType, descriptor);
  let imageConfig: ImageConfig | undefined;
  if (isImageConfigMediaType(manifest.config.mediaType)) {
    const configBytes = await readDocument(root, manifest.config, 'image config', options);
    imageConfig = parseJsonDocument<ImageConfig>(configBytes, imageConfigSchema, 'image config', manifest.config.digest);
  } else if (options.checkBlobs) {
    await checkBlob(root, manifest.config, 'config', options);
  }
  if (options.checkBlobs) for (const layer of manifest.layers) await checkBlob(root, layer, 'layer', options);
  return { type: 'manifest', descriptor, bytes, manifest, imageConfig };
}

function checkOwnMediaType(own: string | undefined, descriptor: Descriptor): void {
  if (own !== undefined && own !== descriptor.mediaType) {
    throw corrupt(`${descriptor.digest} says it is a ${own}, but is named as a ${descriptor.mediaType}`);
  }
}

/**
 * Every blob a tree reaches, each once, in the order a registry accepts them: a manifest's config
 * and layers before the manifest, an index's children before the index; the root comes last.
 */
export function treeBlobs(node: ManifestNode): Descriptor[] {
  const seen = new Map<Digest, Descriptor>();
  const add = (descriptor: Descriptor) => {
    if (!seen.has(descriptor.digest)) seen.set(descriptor.digest, descriptor);
  };
  const visit = (current: ManifestNode) => {
    if (current.type === 'index') current.children.forEach(visit);
    else [current.manifest.config, ...current.manifest.layers].forEach(add);
    add(current.descriptor);
  };
  visit(node);
  return [...seen.values()];
}

/** The image manifests of a tree (the tree itself for a manifest), with the platform each is for. */
export function treeManifests(node: ManifestNode): Array<Extract<ManifestNode, { type: 'manifest' }>> {
  return node.type === 'manifest' ? [node] : node.children.flatMap(treeManifests);
}

/** True when the tree is a runnable container image: a manifest with an image config, or an index holding one. */
export function isImageTree(node: ManifestNode): boolean {
  return treeManifests(node).some((manifest) => manifest.imageConfig !== undefined);
}
