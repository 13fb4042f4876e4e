import { ErrorCode, ExitCode, MlshipError, type Digest } from '@mlship/core';
import {
  ImageMediaType,
  isIndexMediaType,
  isKnownLayerMediaType,
  isSchema1MediaType,
  ociLayerMediaType,
  type ImageConfigDocument,
  type Descriptor,
  type OciIndex,
  type OciManifest,
  type Platform,
} from '@mlship/oci';
import { storeDocument } from './blob-store.js';
import { formatPlatform, platformMatches, platformMissing, selectPlatformManifest } from './platform.js';
import type { ImageReference } from './reference.js';
import type { ImageProgress } from './types.js';

export interface BaseImage {
  /** The image manifest for the platform, as the source holds it (Docker media types unchanged). */
  manifest: OciManifest;
  /** The base's image config, parsed. */
  config: ImageConfigDocument;
  /** Its config blob, with the OCI config media type. */
  configDescriptor: Descriptor;
  /** Its layers, bottom first, with OCI media types; every blob is in the store, verified. */
  layers: Descriptor[];
  source: {
    transport: ImageReference['transport'];
    /** `org.opencontainers.image.base.name` for images built on it. */
    name: string;
    /** Digest of what the reference names: the index when it is one, else the manifest. */
    digest: Digest;
    /** Digest of the platform's image manifest (for a docker-archive: of an OCI manifest made from it). */
    manifestDigest: Digest;
    platform: Platform;
  };
}

/** Where the documents and blobs of a base image come from (a registry, a layout, an archive). */
export interface BaseSource {
  describe: string;
  /** The document the reference names (index or manifest) and its digest, verified. */
  top(): Promise<{ bytes: Buffer; digest: Digest; mediaType: string | undefined }>;
  /** A manifest or config named by a descriptor, verified against its digest. */
  document(descriptor: Descriptor, kind: 'manifest' | 'config'): Promise<Buffer>;
  /** Puts the layer blobs the store lacks into it, each verified. */
  storeLayers(layers: Descriptor[], onProgress?: (event: ImageProgress) => void): Promise<void>;
}

export function malformedBase(where: string, why: string): MlshipError {
  return new MlshipError(ErrorCode.usage, `${where} is not a usable container image: ${why}`, {
    hint: 'choose a base image built for Linux containers (OCI or Docker schema2)',
    exitCode: ExitCode.usage,
  });
}

export function parseJson<T>(bytes: Uint8Array, where: string): T {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
    if (value === null || typeof value !== 'object') throw new Error('not a JSON object');
    return value as T;
  } catch (error) {
    throw malformedBase(where, `invalid JSON (${(error as Error).message})`);
  }
}

/** A descriptor with a media type, a sha256 digest (64 lowercase hex digits) and a size. */
export function isDescriptor(value: unknown): value is Descriptor {
  const candidate = value as Descriptor | undefined;
  return (
    typeof candidate?.mediaType === 'string' &&
    typeof candidate.digest === 'string' &&
    /^sha256:[0-9a-f]{64}$/.test(candidate.digest) &&
    Number.isSafeInteger(candidate.size) &&
    candidate.size >= 0
  );
}

export function parseManifest(bytes: Uint8Array, where: string): OciManifest {
  const manifest = parseJson<OciManifest>(bytes, where);
  if (isSchema1MediaType(manifest.mediaType) || (manifest.schemaVersion as number) === 1) {
    throw malformedBase(where, 'Docker schema1 manifests are not supported (re-push it with a current tool)');
  }
  if (!isDescriptor(manifest.config) || !Array.isArray(manifest.layers) || !manifest.layers.every(isDescriptor)) {
    throw malformedBase(where, 'the manifest lacks a valid config or layers');
  }
  return manifest;
}

/** Checks the config's shape and that its diff_ids pair with the manifest's layers. */
export function parseConfig(bytes: Uint8Array, where: string, layerCount: number): ImageConfigDocument {
  const config = parseJson<ImageConfigDocument>(bytes, where);
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((id) => typeof id === 'string' && /^sha256:[0-9a-f]{64}$/.test(id))) {
    throw malformedBase(where, 'the image config has no rootfs.diff_ids');
  }
  if (diffIds.length !== layerCount) {
    throw malformedBase(where, `the config lists ${diffIds.length} diff_ids for ${layerCount} layers`);
  }
  return config;
}

/** A single-platform image must be for the platform asked; its config says which it is. */
export function checkConfigPlatform(config: ImageConfigDocument, want: Platform, where: string): void {
  if (typeof config.os !== 'string' || typeof config.architecture !== 'string') return;
  const have: Platform = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
  if (!platformMatches(want, have)) throw platformMissing(where, want, [formatPlatform(have)]);
}

/** Base layers as they go into our manifest: OCI media types, digest and size, annotations and urls kept. */
export function toOciLayers(layers: Descriptor[], where: string): Descriptor[] {
  return layers.map((layer) => {
    if (!isKnownLayerMediaType(layer.mediaType)) throw malformedBase(where, `unsupported layer media type ${layer.mediaType}`);
    return {
      mediaType: ociLayerMediaType(layer.mediaType),
      digest: layer.digest,
      size: layer.size,
      ...(layer.urls ? { urls: layer.urls } : {}),
      ...(layer.annotations ? { annotations: layer.annotations } : {}),
    };
  });
}

/** Resolves index → platform manifest → config from any source, and fills the store with its blobs. */
export async function resolveBase(
  root: string,
  source: BaseSource,
  reference: ImageReference,
  platform: Platform,
  onProgress?: (event: ImageProgress) => void,
): Promise<BaseImage> {
  const top = await source.top();
  const topDocument = parseJson<{ mediaType?: string; manifests?: unknown; schemaVersion?: number }>(top.bytes, source.describe);
  const topType = topDocument.mediaType ?? top.mediaType;
  const isIndex = isIndexMediaType(topType) || (topType === undefined && Array.isArray(topDocument.manifests));
  let manifestBytes = top.bytes;
  let manifestDigest = top.digest;
  if (isIndex) {
    const index = topDocument as OciIndex;
    if (!Array.isArray(index.manifests) || !index.manifests.every(isDescriptor)) throw malformedBase(source.describe, 'the index lacks valid manifests');
    const chosen = selectPlatformManifest(index.manifests, platform, source.describe);
    manifestBytes = await source.document(chosen, 'manifest');
    manifestDigest = chosen.digest;
  }
  const where = `${source.describe} (${formatPlatform(platform)})`;
  const manifest = parseManifest(manifestBytes, where);
  const configBytes = await source.document(manifest.config, 'config');
  const config = parseConfig(configBytes, where, manifest.layers.length);
  if (!isIndex) checkConfigPlatform(config, platform, source.describe);
  const layers = toOciLayers(manifest.layers, where);
  await storeDocument(root, top.bytes, top.digest);
  if (isIndex) await storeDocument(root, manifestBytes, manifestDigest);
  await storeDocument(root, configBytes, manifest.config.digest);
  await source.storeLayers(layers, onProgress);
  return {
    manifest,
    config,
    configDescriptor: { mediaType: ImageMediaType.ociConfig, digest: manifest.config.digest, size: manifest.config.size },
    layers,
    source: { transport: reference.transport, name: reference.name, digest: top.digest, manifestDigest, platform },
  };
}

