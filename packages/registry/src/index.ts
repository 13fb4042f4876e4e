export * from './types.js';
export { MediaType, Annotation, artifactTypeOf } from './media-types.js';
export { findRegistry, initRegistry, registryPaths, blobPath, MLSHIP_DIR, type InitResult } from './layout.js';
export { readIndex } from './index-file.js';
export { putArtifact, contentDigestOf, type PutOptions, type PutResult, type FileInput } from './put.js';
export { assertUsable, versionStatus, StatusErrorCode, type AssertUsableOptions, type VersionStatus } from './version-status.js';
export {
  removeVersions,
  pruneVersions,
  planRemoval,
  planPrune,
  readVersionGraph,
  RemoveErrorCode,
  type RemoveResult,
  type PruneResult,
  type RemovalPlan,
  type PrunePlan,
  type GraphVersion,
  type VersionGraph,
} from './remove.js';
export { resolveRef, listArtifacts, type ListOptions } from './resolve.js';
export { openArtifactFile, extractArtifact } from './files.js';
export { tagArtifact, untagArtifact, type TagResult } from './aliases.js';
export { buildLineage, renderLineageText, renderLineageDot, renderLineageMermaid, type LineageNode } from './lineage.js';
export { verifyRegistry, type VerifyReport, type VerifyProblem } from './verify.js';
export { gcRegistry, type GcReport } from './gc.js';
export { exportArtifacts, importArchive, checkArchiveEntry, type ExportResult, type ImportResult } from './archive.js';
export { pushArtifact, type PushResult } from './remote/push.js';
export { pullArtifact, type PullResult } from './remote/pull.js';
export { parseOciLocation, type OciLocation } from './remote/oci-url.js';
export { findCredentials } from './remote/auth.js';
export { writeBlob, hasBlob, reuseBlob, readBlobHead, openBlobStream, readBlobVerified, MAX_DOCUMENT_BYTES, type BlobSource, type WrittenBlob } from './blobs.js';
export { OciClient, type ClientOptions, type RequestOptions } from './remote/client.js';
export { registerWriter, holdBlobs } from './lock.js';
export { putImage, type PutImageOptions, type PutImageResult } from './put-image.js';
export { ImageErrorCode, imageParents } from './image-version.js';
export { ImageLabel } from './media-types.js';
export { readManifestTree, treeBlobs, treeManifests, type ManifestNode, type ImageConfig } from './manifest-tree.js';
