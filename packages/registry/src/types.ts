import type { ArtifactKind, Digest, EnvironmentFacts, GitFacts } from '@mlship/core';

export interface ParentLink {
  /** The parent as a version ref, e.g. `datasets/iris:1`. */
  ref: string;
  /** The parent's manifest digest: lineage survives renames, aliases and moves between registries. */
  digest: Digest;
}

/** The config blob of every artifact version. */
export interface ArtifactMetadata {
  schemaVersion: 1;
  kind: ArtifactKind;
  name: string;
  version: number;
  created: string;
  /** Digest over the file names and digests alone: equal files give an equal content digest. */
  contentDigest: Digest;
  /** `failed` when a gate refused the version; it is stored all the same. */
  status?: 'ok' | 'failed';
  parents: ParentLink[];
  params?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  /** Free key=value labels (`registry put --meta`). */
  labels?: Record<string, string>;
  git?: GitFacts | null;
  environment?: EnvironmentFacts;
  /** Command-specific facts (schemas, reports…), documented by the command that writes them. */
  extra?: Record<string, unknown>;
}

export interface ArtifactFile {
  name: string;
  digest: Digest;
  size: number;
  mediaType: string;
}

/** One stored version, resolved. */
export interface ArtifactVersion {
  /** Canonical version ref, e.g. `models/iris:3`. */
  ref: string;
  kind: ArtifactKind;
  name: string;
  version: number;
  /** Manifest digest: the identity of this version. */
  digest: Digest;
  size: number;
  /** The media type of the manifest (or image index) the version's index entry points at. */
  mediaType: string;
  /**
   * `artifact`: an mlship manifest (metadata config, one layer per file). `image`: a container image
   * (`putImage`), whose metadata is read from the image config (see `ImageFacts`).
   */
  format: 'artifact' | 'image';
  aliases: string[];
  /** An artifact's files; an image's layers, or for an image index its platform manifests. */
  files: ArtifactFile[];
  metadata: ArtifactMetadata;
}

/** One platform of a container image. */
export interface ImagePlatform {
  os: string;
  architecture: string;
  variant?: string;
  /** The platform's image manifest. */
  digest: Digest;
  size: number;
  layers: number;
}

/** What `metadata.extra.image` holds for an image version. */
export interface ImageFacts {
  /** The media type of the version's manifest or image index. */
  mediaType: string;
  platforms: ImagePlatform[];
  entrypoint: string[] | null;
  /** `8080/tcp`, … */
  exposedPorts: string[];
  /** Bytes of every distinct blob the image reaches: index, manifests, configs and layers. */
  totalSize: number;
}

/** A row of `registry list`: read from index.json alone, so listing stays fast. */
export interface ArtifactSummary {
  ref: string;
  kind: ArtifactKind;
  name: string;
  version: number;
  digest: Digest;
  created: string | null;
  aliases: string[];
  /**
   * With `listArtifacts(…, { details: true })`: the version's status from its metadata (`ok` when it
   * records none), or null when the metadata cannot be read.
   */
  status?: 'ok' | 'failed' | null;
  /** With `details`, for models: the scalar (finite number) metrics the metadata records. */
  metrics?: Record<string, number>;
}
