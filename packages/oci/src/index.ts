/** @mlship/oci: OCI image documents and media types, canonical JSON, and tar writing and reading, shared by the registry and the packager. */
export type { Platform, DescriptorPlatform, Descriptor, OciManifest, OciIndex, HistoryEntry, ImageConfigDocument } from './types.js';
export {
  ImageMediaType,
  OciAnnotation,
  OCI_LAYOUT_VERSION,
  MANIFEST_ACCEPT,
  ociLayerMediaType,
  isIndexMediaType,
  isManifestMediaType,
  isImageConfigMediaType,
  isSchema1MediaType,
  isKnownLayerMediaType,
} from './media-types.js';
export { canonicalJson, canonicalBytes } from './canonical-json.js';
export { createTarPack, writeTarEntry, drained, openTarExtract, type TarPack, type TarHeader, type TarExtract } from './tar.js';
