/**
 * The bundle's Dockerfile and .dockerignore: `docker build` / `podman build` in the bundle directory
 * gives the image `mlship package` builds without a daemon (the same paths, config and layer order:
 * runtime, app, weights). Docker needs two COPY steps for the app and the weights layers, because
 * one COPY of a directory and loose files would flatten the directory.
 */
import type { BundleModelFacts, BundleTarget } from './types.js';

export const BUNDLE_ROOT = '/opt/mlship';
export const SERVE_PORT = 8080;
/** uid:gid of the server: distroless's `nonroot`; numeric, so bases without that user work too. */
export const SERVE_USER = '65532:65532';

/**
 * Default bases: glibc images with `node` >= 20 on PATH (onnxruntime-node's Linux binaries need
 * glibc, so no Alpine). cpu: the official slim Debian Node image, which has a shell for debugging.
 * edge: Google's distroless Node 20 image, the smallest glibc Node base for both amd64 and arm64 (no
 * shell, no package manager). gpu: the slim image too: NVIDIA's CUDA images have no Node, and
 * onnxruntime-node's CUDA provider is downloaded by its install script, which cannot reach its site
 * here; the server falls back to CPU. Give a CUDA 12 + cuDNN 9 base with Node for the CUDA provider.
 */
export const DEFAULT_BUNDLE_BASES: Record<BundleTarget, string> = {
  cpu: 'docker.io/library/node:20-bookworm-slim',
  gpu: 'docker.io/library/node:20-bookworm-slim',
  edge: 'gcr.io/distroless/nodejs20-debian12',
};

/** Where Google's distroless Node images put node (their PATH does not include it). */
export const DISTROLESS_NODE_DIR = '/nodejs/bin';

/** Asks the server on the port it listens on: MLSHIP_PORT when the container overrides it. */
export const HEALTHCHECK_SCRIPT = `fetch('http://127.0.0.1:' + (process.env.MLSHIP_PORT || ${SERVE_PORT}) + '/v2/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
export const ENTRYPOINT = ['node', `${BUNDLE_ROOT}/server/serve-runtime.mjs`, `${BUNDLE_ROOT}/model`];

export interface DockerfileInput {
  appName: string;
  model: BundleModelFacts;
  target: BundleTarget;
  base: string;
  /** `linux/amd64`, … */
  platforms: string[];
}

function targetNotes(input: DockerfileInput): string[] {
  if (input.target === 'gpu') {
    return [
      '# gpu: the server asks ONNX Runtime for CUDA, then CPU. CUDA needs a base with the CUDA 12 runtime, cuDNN 9',
      '# and Node (e.g. an nvidia/cuda:12.x-cudnn-runtime image with Node installed), given as BASE, and',
      "# onnxruntime-node's CUDA provider library (libonnxruntime_providers_cuda.so), which its install script",
      '# downloads and which this bundle has only when the installed onnxruntime-node had it. Without them the',
      '# server runs on CPU and says so in its ready log line.',
    ];
  }
  if (input.platforms.length > 1) {
    return [
      `# ${input.platforms.join(' + ')}: \`docker buildx build --platform ${input.platforms.join(',')} .\`. Every image then`,
      '# carries the ONNX Runtime binaries of all these platforms; the images `mlship package` builds carry their own only.',
    ];
  }
  return [];
}

export function dockerfile(input: DockerfileInput): string {
  const lines = [
    `# ${input.appName}: ${input.model.ref} (${input.model.digest}), target ${input.target}, ${input.platforms.join(', ')}.`,
    '# Written by `mlship package`; `docker build .` or `podman build .` here gives the image it builds without',
    '# a daemon: BASE plus three layers under /opt/mlship (runtime, app, weights).',
    '# BASE must be a glibc image with node >= 20 on PATH (ONNX Runtime for Node does not run on musl/Alpine).',
    ...targetNotes(input),
    `ARG BASE=${input.base}`,
    'FROM ${BASE}',
    `WORKDIR ${BUNDLE_ROOT}`,
    '# runtime: ONNX Runtime for Node, the same for every model',
    'COPY node_modules/ ./node_modules/',
    '# app: the mlship server and the package files, the same for every version of the model',
    'COPY server/ ./server/',
    'COPY package.json package-lock.json ./',
    '# weights: the model, its card and provenance, and the SBOM (which names the model version)',
    'COPY model/ ./model/',
    'COPY sbom.cdx.json ./',
    "# Distroless Node images keep node in /nodejs/bin, off PATH; the entrypoint and health check call `node`.",
    `ENV PATH=${DISTROLESS_NODE_DIR}:\${PATH}`,
    `ENV MLSHIP_HOST=0.0.0.0 MLSHIP_PORT=${SERVE_PORT} MLSHIP_TARGET=${input.target} NODE_ENV=production`,
    `EXPOSE ${SERVE_PORT}`,
    `USER ${SERVE_USER}`,
    '# Node\'s fetch: slim and distroless bases have no curl or wget.',
    `HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ${JSON.stringify(['node', '-e', HEALTHCHECK_SCRIPT])}`,
    `ENTRYPOINT ${JSON.stringify(ENTRYPOINT)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Only what the image needs enters the build context; archives and VCS data never do. */
export function dockerignore(): string {
  return [
    '# Everything stays out of the build context but what the Dockerfile copies.',
    '*',
    '!node_modules',
    '!server',
    '!model',
    '!package.json',
    '!package-lock.json',
    '!sbom.cdx.json',
    '**/*.tar',
    '**/*.tar.gz',
    '**/.git',
    '',
  ].join('\n');
}
