import { usageError, type Digest } from '@mlship/core';
import { ImageMediaType, OciAnnotation, canonicalBytes, type Descriptor, type OciIndex, type OciManifest, type Platform } from '@mlship/oci';
import { registerWriter, writeBlob } from '@mlship/registry';
import { fetchBaseImage, type BaseImage } from './base-image.js';
import { imageConfig, type ImageRuntimeConfig } from './image-config.js';
import { buildLayer, type LayerEntry } from './layer.js';
import { formatPlatform } from './platform.js';
import { parseImageReference } from './reference.js';
import type { ImageProgress } from './types.js';

export type ImagePlatform = Platform;

export interface BuildImageOptions {
  /** The mlship registry: every blob of the image (base and ours) ends up in its store. */
  registry: string;
  /** Base image reference (see `parseImageReference`). */
  base: string;
  /** One platform gives an image manifest; several give an image index over one manifest each. */
  platforms: ImagePlatform[];
  /** Our layers for a platform, bottom first (e.g. runtime, app, weights). */
  layers: (platform: ImagePlatform) => LayerEntry[][] | Promise<LayerEntry[][]>;
  /** Names of those layers, for history (`mlship package: <name>`) and progress; `layer-N` otherwise. */
  layerNames?: string[];
  config: ImageRuntimeConfig;
  /** ISO 8601: the config's and manifest's creation time (the model version's, for reproducibility). */
  created: string;
  /** More manifest (and index) annotations. */
  annotations?: Record<string, string>;
  /** mtime of every file in our layers, seconds since the epoch; 0 by default. */
  mtime?: number;
  insecure?: boolean;
  env?: NodeJS.ProcessEnv;
  onProgress?: (event: ImageProgress) => void;
}

export interface BuiltLayerSummary {
  name: string;
  digest: Digest;
  size: number;
  diffId: Digest;
  /** Taken from the layer cache. */
  cached: boolean;
}

export interface BuiltImageManifest {
  platform: ImagePlatform;
  digest: Digest;
  size: number;
  config: { digest: Digest; size: number };
  /** Our layers only (above the base). */
  layers: BuiltLayerSummary[];
  /** How many base layers lie under ours. */
  baseLayers: number;
  base: { name: string; digest: Digest; manifestDigest: Digest };
}

export interface BuiltImage {
  /** OCI image manifest (one platform) or OCI image index (several). */
  mediaType: string;
  digest: Digest;
  size: number;
  manifests: BuiltImageManifest[];
  /** Total bytes of the distinct blobs the image references (index, manifests, configs, layers). */
  bytes: number;
}

export const Annotations = {
  created: OciAnnotation.created,
  baseName: OciAnnotation.baseName,
  baseDigest: OciAnnotation.baseDigest,
} as const;

function checkOptions(options: BuildImageOptions): void {
  if (!Array.isArray(options.platforms) || options.platforms.length === 0) throw usageError('no platform to build for', 'give linux/amd64 and/or linux/arm64');
  const seen = new Set<string>();
  for (const platform of options.platforms) {
    if (!platform?.os || !platform.architecture) throw usageError(`bad platform ${JSON.stringify(platform)}`, 'give {os, architecture}, e.g. linux/amd64');
    const key = formatPlatform(platform);
    if (seen.has(key)) throw usageError(`platform ${key} is given twice`, 'give each platform once');
    seen.add(key);
  }
  if (typeof options.created !== 'string' || Number.isNaN(Date.parse(options.created))) {
    throw usageError(`bad creation time ${JSON.stringify(options.created)}`, 'give an ISO 8601 time, e.g. 2026-01-31T12:00:00.000Z');
  }
}

/** The manifest of one platform: the base's layers, then ours, under a new config. */
async function buildPlatform(options: BuildImageOptions, platform: ImagePlatform): Promise<{ manifest: BuiltImageManifest; blobs: Map<Digest, number> }> {
  const root = options.registry;
  const base: BaseImage = await fetchBaseImage({
    registry: root,
    base: parseImageReference(options.base),
    platform,
    ...(options.insecure !== undefined ? { insecure: options.insecure } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const groups = await options.layers(platform);
  const layers: BuiltLayerSummary[] = [];
  const descriptors: Descriptor[] = [];
  for (const [position, entries] of groups.entries()) {
    const name = options.layerNames?.[position] ?? `layer-${position}`;
    const built = await buildLayer({
      registry: root,
      entries,
      name,
      ...(options.mtime !== undefined ? { mtime: options.mtime } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    layers.push({ name, digest: built.descriptor.digest, size: built.descriptor.size, diffId: built.diffId, cached: built.cached });
    descriptors.push(built.descriptor);
  }
  const config = imageConfig(base.config, layers, options.config, platform, options.created);
  const configBytes = canonicalBytes(config);
  const configBlob = await writeBlob(root, configBytes);
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: ImageMediaType.ociManifest,
    config: { mediaType: ImageMediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: [...base.layers, ...descriptors],
    annotations: {
      ...(options.annotations ?? {}),
      [Annotations.created]: options.created,
      [Annotations.baseName]: base.source.name,
      [Annotations.baseDigest]: base.source.digest,
    },
  };
  const manifestBlob = await writeBlob(root, canonicalBytes(manifest));
  const blobs = new Map<Digest, number>([[manifestBlob.digest, manifestBlob.size], [configBlob.digest, configBlob.size]]);
  for (const layer of manifest.layers) blobs.set(layer.digest, layer.size);
  return {
    manifest: {
      platform,
      digest: manifestBlob.digest,
      size: manifestBlob.size,
      config: configBlob,
      layers,
      baseLayers: base.layers.length,
      base: { name: base.source.name, digest: base.source.digest, manifestDigest: base.source.manifestDigest },
    },
    blobs,
  };
}

/**
 * Builds a container image without a daemon, into the mlship store: the base (fetched for each
 * platform), our layers (reproducible, cached), a config merged over the base's, an OCI manifest per
 * platform and, for several platforms, an OCI image index. Every document is canonical JSON, so the
 * same inputs give the same digest. The caller names the result in index.json (e.g. `putImage`).
 */
export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  checkOptions(options);
  parseImageReference(options.base);
  const root = options.registry;
  const unregister = await registerWriter(root);
  try {
    const manifests: BuiltImageManifest[] = [];
    const blobs = new Map<Digest, number>();
    for (const platform of options.platforms) {
      const built = await buildPlatform(options, platform);
      manifests.push(built.manifest);
      for (const [digest, size] of built.blobs) blobs.set(digest, size);
    }
    const total = () => [...blobs.values()].reduce((sum, size) => sum + size, 0);
    if (manifests.length === 1) {
      const only = manifests[0]!;
      return { mediaType: ImageMediaType.ociManifest, digest: only.digest, size: only.size, manifests, bytes: total() };
    }
    const baseDigests = new Set(manifests.map((manifest) => manifest.base.digest));
    const index: OciIndex = {
      schemaVersion: 2,
      mediaType: ImageMediaType.ociIndex,
      manifests: manifests.map((manifest) => ({
        mediaType: ImageMediaType.ociManifest,
        digest: manifest.digest,
        size: manifest.size,
        platform: {
          architecture: manifest.platform.architecture,
          os: manifest.platform.os,
          ...(manifest.platform.variant ? { variant: manifest.platform.variant } : {}),
        },
      })),
      annotations: {
        ...(options.annotations ?? {}),
        [Annotations.created]: options.created,
        [Annotations.baseName]: manifests[0]!.base.name,
        ...(baseDigests.size === 1 ? { [Annotations.baseDigest]: manifests[0]!.base.digest } : {}),
      },
    };
    const indexBlob = await writeBlob(root, canonicalBytes(index));
    blobs.set(indexBlob.digest, indexBlob.size);
    return { mediaType: ImageMediaType.ociIndex, digest: indexBlob.digest, size: indexBlob.size, manifests, bytes: total() };
  } finally {
    await unregister();
  }
}
