import type { Digest, GitFacts } from '@mlship/core';
import type { ParentLink } from '@mlship/registry';

export type BundleTarget = 'cpu' | 'gpu' | 'edge';

/** A platform as OCI writes it; bundles support linux/amd64 and linux/arm64 (ONNX Runtime's Linux binaries). */
export interface BundlePlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface BuildBundleOptions {
  /** The registry root. */
  registry: string;
  /** A models/ ref: `models/NAME[:N|@alias|@sha256:…]`. */
  modelRef: string;
  target: BundleTarget;
  /** The bundle directory: it must not exist, or be empty (unless `force`). */
  outDir: string;
  /** The built server runtime (`packages/cli/dist/bundle/serve-runtime.mjs`). */
  runtimeFile: string;
  /**
   * The installed onnxruntime-node package directory. By default the one this module resolves, else
   * the one `runtimeFile` resolves (the runtime is built and tested against it).
   */
  onnxruntimeDir?: string;
  /** Platforms whose native ONNX Runtime binaries the bundle carries. */
  platforms: BundlePlatform[];
  /** The base image the Dockerfile starts from (and provenance records); DEFAULT_BUNDLE_BASES by target. */
  base?: string;
  /** Names the served application (`mlship-serve-<name>`); the model's name by default. */
  name?: string;
  /** Replace a non-empty `outDir`. */
  force?: boolean;
}

/** Git facts of the model version; `remote` when the recorder knew the repository's URL. */
export type BundleGitFacts = GitFacts & { remote?: string };

export interface BundleModelFacts {
  /** The version ref, e.g. `models/iris:3`. */
  ref: string;
  /** The model version's manifest digest. */
  digest: Digest;
  name: string;
  version: number;
  /** ISO 8601 creation time of the model version: the only time written into the bundle. */
  created: string;
  /** The model's `datasets/` parents (lineage), in recorded order. */
  datasetParents: ParentLink[];
  git: BundleGitFacts | null;
}

export interface BundleFile {
  /** `/`-separated, relative to the bundle directory. */
  path: string;
  size: number;
  digest: Digest;
}

export interface BundleLayers {
  /** node_modules/: ONNX Runtime for Node with the native binaries of `platform` only. */
  runtime(platform: BundlePlatform): string[];
  /** The server and the package files that stay the same across versions of a model. */
  app: string[];
  /** The model, its provenance and the SBOM (which names the model version). */
  weights: string[];
}

export interface BundleResult {
  dir: string;
  model: BundleModelFacts;
  /** Every file of the bundle, sorted by path. */
  files: BundleFile[];
  layers: BundleLayers;
  /** Top-level SBOM components (npm packages and the model), and the bundle files it lists with hashes. */
  sbom: { components: number; files: number };
  /** The Dockerfile's text (also written to `dir/Dockerfile`). */
  dockerfile: string;
  base: string;
  /** Things the bundle could not record fully (e.g. no list of the packages inlined into the runtime). */
  warnings: string[];
}
