import type { Digest } from '@mlship/core';

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
