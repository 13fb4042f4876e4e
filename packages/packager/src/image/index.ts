export { parseImageReference, parseRegistryReference, type ImageReference, type LayoutReference, type DockerArchiveReference, type RegistryReference } from './reference.js';
export { fetchBaseImage, type FetchBaseImageOptions, type BaseImage } from './base-image.js';
export { buildLayer, layerCacheDir, type LayerEntry, type BuildLayerOptions, type BuiltLayer } from './layer.js';
export { imageConfig, mergeEnv, type ImageRuntimeConfig } from './image-config.js';
export {
  buildImage,
  Annotations as ImageAnnotation,
  type BuildImageOptions,
  type BuiltImage,
  type BuiltImageManifest,
  type BuiltLayerSummary,
  type ImagePlatform,
} from './build-image.js';
export { writeImageArchive, type WriteImageArchiveOptions, type ImageArchiveResult } from './image-archive.js';
export { formatPlatform, platformMatches } from './platform.js';
export type { ImageProgress } from './types.js';
