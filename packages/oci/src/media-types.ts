/**
 * Media types and annotations of OCI images and image layouts. mlship writes OCI types only; Docker
 * schema2 types are read (from bases, from remotes) and mapped to their OCI equivalents where it writes
 * (same bytes, same digest), so every manifest mlship writes is a pure OCI manifest.
 */
export const ImageMediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociNondistributableLayer: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociNondistributableLayerGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** OCI's pre-defined annotation keys that mlship reads or writes. */
export const OciAnnotation = {
  /** The name tools such as skopeo use to pick an image layout's entry (`models/iris:3`, a tag). */
  refName: 'org.opencontainers.image.ref.name',
  /** A layer's file name. */
  title: 'org.opencontainers.image.title',
  /** Creation time. */
  created: 'org.opencontainers.image.created',
  baseName: 'org.opencontainers.image.base.name',
  baseDigest: 'org.opencontainers.image.base.digest',
} as const;

/** `oci-layout`'s `imageLayoutVersion`. */
export const OCI_LAYOUT_VERSION = '1.0.0';

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

/** An image index (OCI) or manifest list (Docker): a document whose `manifests` name one manifest per platform. */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === ImageMediaType.ociIndex || mediaType === ImageMediaType.dockerManifestList;
}

/** An image manifest (OCI or Docker): a document with a `config` and `layers`. */
export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === ImageMediaType.ociManifest || mediaType === ImageMediaType.dockerManifest;
}

/** The config of a runnable container image (as opposed to another artifact's config). */
export function isImageConfigMediaType(mediaType: string | undefined): boolean {
  return mediaType === ImageMediaType.ociConfig || mediaType === ImageMediaType.dockerConfig;
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
    mediaType === ImageMediaType.ociNondistributableLayer ||
    mediaType in LAYER_TO_OCI
  );
}
