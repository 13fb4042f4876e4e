import type { ArtifactKind } from '@mlship/core';
import { ImageMediaType, OciAnnotation } from '@mlship/oci';

/**
 * Media types of the on-disk format; docs/registry-format.md documents each. The OCI and Docker ones
 * come from `@mlship/oci`; mlship adds its metadata config and file layers.
 */
export const MediaType = {
  imageIndex: ImageMediaType.ociIndex,
  imageManifest: ImageMediaType.ociManifest,
  /** The config of a container image (`putImage`). */
  imageConfig: ImageMediaType.ociConfig,
  /** Docker's media types, which OCI tools and registries still exchange; read like the OCI ones. */
  dockerManifest: ImageMediaType.dockerManifest,
  dockerManifestList: ImageMediaType.dockerManifestList,
  dockerImageConfig: ImageMediaType.dockerConfig,
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
  refName: OciAnnotation.refName,
  /** OCI: a layer's file name. */
  title: OciAnnotation.title,
  /** OCI: creation time, on the manifest and on index entries. */
  created: OciAnnotation.created,
  kind: 'dev.mlship.kind',
  name: 'dev.mlship.name',
  version: 'dev.mlship.version',
  /** Present on the extra index entry that an alias adds. */
  alias: 'dev.mlship.alias',
  /**
   * A prefix of `index.json`'s own annotations, followed by `kind/name`: the highest version number
   * of the name ever used, written when versions are removed, so that a number is never given twice.
   */
  usedUpTo: 'dev.mlship.used-up-to.',
} as const;

/** Image config labels that `mlship package` writes and the registry reads back as lineage. */
export const ImageLabel = {
  modelRef: 'dev.mlship.model.ref',
  modelDigest: 'dev.mlship.model.digest',
  /** `failed` on an image made from a failed model (`mlship package --allow-failed`): the image's status. */
  status: 'dev.mlship.status',
} as const;
