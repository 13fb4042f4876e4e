/**
 * Media types of container images. mlship writes OCI types only; Docker schema2 types are read from
 * bases and mapped to their OCI equivalents (same bytes, same digest), so every manifest mlship writes
 * is a pure OCI manifest that skopeo, podman and registries accept.
 */
export const ImageMediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociNondistributableLayerGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** What a registry is asked for: indexes and manifests, OCI and Docker schema2 (schema1 is refused). */
export const MANIFEST_ACCEPT = [
  ImageMediaType.ociIndex,
  ImageMediaType.ociManifest,
  ImageMediaType.dockerManifestList,
  ImageMediaType.dockerManifest,
].join(', ');

const LAYER_TO_OCI: Record<string, string> = {
  [ImageMediaType.dockerLayerGzip]: ImageMediaType.ociLayerGzip,
  [ImageMediaType.dockerForeignLayerGzip]: ImageMediaType.ociNondistributableLayerGzip,
};

/** The OCI media type of a layer; Docker layer types map to the OCI type of the same bytes. */
export function ociLayerMediaType(mediaType: string): string {
  return LAYER_TO_OCI[mediaType] ?? mediaType;
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === ImageMediaType.ociIndex || mediaType === ImageMediaType.dockerManifestList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === ImageMediaType.ociManifest || mediaType === ImageMediaType.dockerManifest;
}

export function isSchema1MediaType(mediaType: string | undefined): boolean {
  return mediaType === ImageMediaType.dockerSchema1 || mediaType === ImageMediaType.dockerSchema1Signed;
}

/** Layer media types mlship can place in an image (the ones container runtimes unpack). */
export function isKnownLayerMediaType(mediaType: string): boolean {
  return (
    mediaType === ImageMediaType.ociLayer ||
    mediaType === ImageMediaType.ociLayerGzip ||
    mediaType === ImageMediaType.ociLayerZstd ||
    mediaType === ImageMediaType.ociNondistributableLayerGzip ||
    mediaType === 'application/vnd.oci.image.layer.nondistributable.v1.tar' ||
    mediaType in LAYER_TO_OCI
  );
}
