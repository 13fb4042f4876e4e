import type { ArtifactKind } from '@mlship/core';

/** Media types and annotations of the on-disk format; docs/registry-format.md documents each. */
export const MediaType = {
  imageIndex: 'application/vnd.oci.image.index.v1+json',
  imageManifest: 'application/vnd.oci.image.manifest.v1+json',
  imageConfig: 'application/vnd.oci.image.config.v1+json',
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
