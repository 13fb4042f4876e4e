import { ImageMediaType, isImageConfigMediaType, isIndexMediaType, isKnownLayerMediaType, isManifestMediaType, ociLayerMediaType } from './media-types.js';

describe('media types', () => {
  it('reads OCI and Docker schema2 documents alike', () => {
    expect([ImageMediaType.ociIndex, ImageMediaType.dockerManifestList].every(isIndexMediaType)).toBe(true);
    expect([ImageMediaType.ociManifest, ImageMediaType.dockerManifest].every(isManifestMediaType)).toBe(true);
    expect([ImageMediaType.ociConfig, ImageMediaType.dockerConfig].every(isImageConfigMediaType)).toBe(true);
    expect(isManifestMediaType(ImageMediaType.dockerSchema1)).toBe(false);
    expect(isImageConfigMediaType('application/vnd.mlship.metadata.v1+json')).toBe(false);
  });

  it('maps Docker layers to the OCI type of the same bytes', () => {
    expect(ociLayerMediaType(ImageMediaType.dockerLayerGzip)).toBe(ImageMediaType.ociLayerGzip);
    expect(ociLayerMediaType(ImageMediaType.ociLayer)).toBe(ImageMediaType.ociLayer);
    expect(isKnownLayerMediaType(ImageMediaType.dockerForeignLayerGzip)).toBe(true);
    expect(isKnownLayerMediaType('application/octet-stream')).toBe(false);
  });
});
