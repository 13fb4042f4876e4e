import type { ArtifactKind } from '@mlship/core';

/** Media types and annotations of the on-disk format; docs/registry-format.md documents each. */
export const MediaType = {
  imageIndex: 'application/vnd.oci.image.index.v1+json',
  imageManifest: 'application/vnd.oci.image.manifest.v1+json',
  /** The config of a container image (`putImage`). */
  imageConfig: 'application/vnd.oci.image.config.v1+json',
  /** Docker's media types, which OCI tools and registries still exchange; read like the OCI ones. */
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerImageConfig: 'application/vnd.docker.container.image.v1+json',
  /** The config blob of every mlship artifact: its metadata as JSON. */
  metadata: 'application/vnd.mlship.metadata.v1+json',
  /** Default media type of a file layer; later commands may set a more precise one. */
  file: 'application/vnd.mlship.file.v1',
} as const;

const KIND_SINGULAR: Record<ArtifactKind, string> = {
  datasets: 'dataset',
  models: 'model',
  packages: 'package',
  images: 'image',
  deployments: 'deployment',
};

export function artifactTypeOf(kind: ArtifactKind): string {
  return `application/vnd.mlship.${KIND_SINGULAR[kind]}.v1`;
}

export const Annotation = {
  /** OCI: the name tools such as skopeo use to pick an entry (`models/iris:3`, `models/iris:production`). */
  refName: 'org.opencontainers.image.ref.name',
  /** OCI: a layer's file name. */
  title: 'org.opencontainers.image.title',
  /** OCI: creation time, on the manifest and on index entries. */
  created: 'org.opencontainers.image.created',
  kind: 'dev.mlship.kind',
  name: 'dev.mlship.name',
  version: 'dev.mlship.version',
  /** Present on the extra index entry that an alias adds. */
  alias: 'dev.mlship.alias',
} as const;

/** Image config labels that `mlship package` writes and the registry reads back as lineage. */
export const ImageLabel = {
  modelRef: 'dev.mlship.model.ref',
  modelDigest: 'dev.mlship.model.digest',
} as const;

/** An image index (OCI) or manifest list (Docker): a document whose `manifests` name one manifest per platform. */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.imageIndex || mediaType === MediaType.dockerManifestList;
}

/** An image manifest (OCI or Docker): a document with a `config` and `layers`. */
export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.imageManifest || mediaType === MediaType.dockerManifest;
}

/** The config of a runnable container image (as opposed to mlship metadata or another artifact's config). */
export function isImageConfigMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.imageConfig || mediaType === MediaType.dockerImageConfig;
}
