import { errorCodes, ExitCode, isDigest, isVersionRef, type Digest } from '@mlship/core';
import type { Descriptor } from '@mlship/oci';
import type { EntryFacts } from './index-file.js';
import { treeBlobs, treeManifests, type ManifestNode } from './manifest-tree.js';
import { Annotation, ImageLabel } from './media-types.js';
import type { ArtifactFile, ArtifactMetadata, ImageFacts, ImagePlatform, ParentLink } from './types.js';

/** Error codes of operations on image versions. */
export const ImageErrorCode = errorCodes({
  incomplete: { code: 'MLSHIP_E_IMAGE_INCOMPLETE', exitCode: ExitCode.runtime, meaning: 'An image being stored (built, imported or pulled) names a blob that is not in the store.' },
  unsupported: { code: 'MLSHIP_E_IMAGE_UNSUPPORTED', exitCode: ExitCode.usage, meaning: 'An image where files were expected: `registry get` of an image, which has no files, or an image stored under another kind in an import.' },
});

type ManifestLeaf = ReturnType<typeof treeManifests>[number];

function platformOf(manifest: ManifestLeaf): Omit<ImagePlatform, 'digest' | 'size' | 'layers'> {
  const declared = manifest.descriptor.platform;
  const os = declared?.os ?? manifest.imageConfig?.os ?? 'unknown';
  const architecture = declared?.architecture ?? manifest.imageConfig?.architecture ?? 'unknown';
  const variant = declared?.variant ?? (declared ? undefined : manifest.imageConfig?.variant);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

const platformName = (platform: { os: string; architecture: string; variant?: string }) =>
  [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');

/**
 * The manifest whose config speaks for the image: the manifest itself, or in an index the first
 * child for a real platform (attestation manifests are `unknown/unknown`) that has an image config.
 */
function primaryManifest(tree: ManifestNode): ManifestLeaf | undefined {
  const withConfig = treeManifests(tree).filter((manifest) => manifest.imageConfig !== undefined);
  return withConfig.find((manifest) => platformOf(manifest).os !== 'unknown') ?? withConfig[0];
}

/**
 * The lineage an image config records: the model it serves (labels `dev.mlship.model.ref` and `.digest`).
 * A label that is no version ref (an image from elsewhere, or a hostile one) is not lineage.
 */
export function imageParents(labels: Record<string, string>): ParentLink[] {
  const ref = labels[ImageLabel.modelRef];
  const digest = labels[ImageLabel.modelDigest];
  return ref && digest && isDigest(digest) && isVersionRef(ref) ? [{ ref, digest: digest as Digest }] : [];
}

/** The lineage an image's tree records (its primary config's labels). */
export function treeParents(tree: ManifestNode): ParentLink[] {
  return imageParents({ ...(primaryManifest(tree)?.imageConfig?.config?.Labels ?? {}) });
}

/** An image's "files": its layers, or for an image index its platform manifests (named `linux/amd64`…). */
function imageFiles(tree: ManifestNode): ArtifactFile[] {
  if (tree.type === 'manifest') {
    return tree.manifest.layers.map((layer, position) => ({
      name: layer.annotations?.[Annotation.title] ?? `layer-${position}`,
      digest: layer.digest,
      size: layer.size,
      mediaType: layer.mediaType,
    }));
  }
  const used = new Set<string>();
  return tree.children.map((child, position) => {
    let name = child.type === 'manifest' ? platformName(platformOf(child)) : `index-${position}`;
    if (used.has(name)) name = `${name}-${position}`;
    used.add(name);
    return { name, digest: child.descriptor.digest, size: child.descriptor.size, mediaType: child.descriptor.mediaType };
  });
}

export function imageFacts(tree: ManifestNode): ImageFacts {
  const primary = primaryManifest(tree);
  const settings = primary?.imageConfig?.config ?? undefined;
  const platforms = treeManifests(tree).map((manifest) => ({
    ...platformOf(manifest),
    digest: manifest.descriptor.digest,
    size: manifest.descriptor.size,
    layers: manifest.manifest.layers.length,
  }));
  return {
    mediaType: tree.descriptor.mediaType,
    platforms,
    entrypoint: settings?.Entrypoint ?? null,
    exposedPorts: Object.keys(settings?.ExposedPorts ?? {}).sort(),
    totalSize: treeBlobs(tree).reduce((sum, blob: Descriptor) => sum + blob.size, 0),
  };
}

/**
 * The metadata of an image version, synthesized: an image has no mlship metadata blob, so its
 * name and version come from the index entry and its lineage and labels from the image config.
 */
export function describeImage(tree: ManifestNode, entry: Descriptor, facts: EntryFacts): { metadata: ArtifactMetadata; files: ArtifactFile[] } {
  const primary = primaryManifest(tree);
  const labels = { ...(primary?.imageConfig?.config?.Labels ?? {}) };
  const metadata: ArtifactMetadata = {
    schemaVersion: 1,
    kind: facts.kind,
    name: facts.name,
    version: facts.version,
    created: entry.annotations?.[Annotation.created] ?? primary?.imageConfig?.created ?? '',
    contentDigest: entry.digest,
    // An image made from a failed model says so in its config (`mlship package --allow-failed`).
    status: labels[ImageLabel.status] === 'failed' ? 'failed' : 'ok',
    parents: imageParents(labels),
    labels,
    extra: { image: imageFacts(tree) },
  };
  return { metadata, files: imageFiles(tree) };
}
