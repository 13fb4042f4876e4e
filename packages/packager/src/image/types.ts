import type { Digest } from '@mlship/core';

/** A target platform, as OCI writes it (`linux`/`amd64`, `linux`/`arm64`/`v8`). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageDescriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform & { 'os.version'?: string; 'os.features'?: string[]; features?: string[] };
  annotations?: Record<string, string>;
  urls?: string[];
}

/** An OCI image manifest or a Docker schema2 manifest (the same shape). */
export interface ImageManifestDocument {
  schemaVersion: 2;
  mediaType?: string;
  config: ImageDescriptor;
  layers: ImageDescriptor[];
  annotations?: Record<string, string>;
}

/** An OCI image index or a Docker manifest list (the same shape). */
export interface ImageIndexDocument {
  schemaVersion: 2;
  mediaType?: string;
  manifests: ImageDescriptor[];
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
 * The image configuration (OCI image config, which Docker's config extends). `config` holds the
 * runtime defaults; `Healthcheck` is Docker's extension, durations in nanoseconds.
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

/** Progress of image work, for the CLI to render; library code never prints. */
export type ImageProgress =
  | {
      /** A base image blob: `bytes` so far; `done` once stored; `cached` when the store already had it. */
      phase: 'base';
      digest: Digest;
      size: number;
      bytes: number;
      done: boolean;
      cached: boolean;
    }
  | {
      /** One of our layers: uncompressed bytes packed so far of `total`; `cached` when reused from the layer cache. */
      phase: 'layer';
      name?: string;
      bytes: number;
      total: number;
      done: boolean;
      cached: boolean;
    };
