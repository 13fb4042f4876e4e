/** The OCI image documents: descriptors, image manifests, image indexes and image configs (Docker's schema2 has the same shapes). */
import type { Digest } from '@mlship/core';

/** A platform, as OCI writes it (`linux`/`amd64`, `linux`/`arm64`/`v8`). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The platform of an image index entry, with OCI's optional members. */
export interface DescriptorPlatform extends Platform {
  'os.version'?: string;
  'os.features'?: string[];
  features?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  /** On the entries of an image index: the platform the manifest is for. */
  platform?: DescriptorPlatform;
  urls?: string[];
}

/** An OCI image manifest or a Docker schema2 manifest (the same shape). */
export interface OciManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** An OCI image index or a Docker manifest list (the same shape); also an image layout's `index.json`. */
export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/**
 * The image configuration (OCI image config, which Docker's config extends), as mlship writes it.
 * `config` holds the runtime defaults; `Healthcheck` is Docker's extension, durations in nanoseconds.
 */
export interface ImageConfigDocument {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  config?: {
    User?: string;
    ExposedPorts?: Record<string, object>;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Volumes?: Record<string, object>;
    WorkingDir?: string;
    Labels?: Record<string, string>;
    StopSignal?: string;
    Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
    [key: string]: unknown;
  };
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}
