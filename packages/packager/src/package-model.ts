/**
 * `mlship package`: a stored model → a bundle directory (packages/NAME:N) → a daemonless OCI image
 * (images/NAME:N) for a target, optionally written as an archive and pushed to an OCI registry.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, ExitCode, MlshipError, isLoopbackHost } from '@mlship/core';
import { ImageLabel, assertUsable, parseOciLocation, pushArtifact, putArtifact, putImage, registerWriter, resolveRef } from '@mlship/registry';
import {
  BUNDLE_ROOT,
  DEFAULT_BUNDLE_BASES,
  DISTROLESS_NODE_DIR,
  ENTRYPOINT,
  HEALTHCHECK_SCRIPT,
  SERVE_PORT,
  SERVE_USER,
  BundleErrorCode,
  buildBundle,
  resolveModel,
  type BundleResult,
} from './bundle/index.js';
import { bundleError } from './bundle/errors.js';
import { buildImage, parseImageReference, writeImageArchive, type BuildImageOptions, type ImagePlatform, type LayerEntry } from './image/index.js';

export const TARGETS = ['cpu', 'gpu', 'edge'] as const;
export type Target = (typeof TARGETS)[number];

/** Default bases by target; see bundle/dockerfile.ts for the reasons. */
export const DEFAULT_BASES = DEFAULT_BUNDLE_BASES;

const DEFAULT_PLATFORMS: Record<Target, string[]> = {
  cpu: ['linux/amd64'],
  gpu: ['linux/amd64'],
  edge: ['linux/amd64', 'linux/arm64'],
};

/** BUNDLE_ROOT without its leading slash: the layer tars hold relative paths. */
const IMAGE_ROOT = BUNDLE_ROOT.slice(1);

export interface PackageModelOptions {
  registry: string;
  /** A models/ ref. */
  ref: string;
  target: Target;
  /** Base image (transport names as skopeo takes them); DEFAULT_BASES by target. */
  base?: string;
  /** `linux/amd64`, `linux/arm64`; by target when absent. */
  platforms?: string[];
  /** Name of the images/ and packages/ versions; the model's name by default. */
  name?: string;
  /** The bundled server runtime (serve-runtime.mjs, built by the CLI's bundle step); defaultRuntimeFile() when absent. */
  runtimeFile?: string;
  /** Keep the bundle directory here (it must not exist or be empty); a temp directory otherwise. */
  bundleDir?: string;
  /** Write the image as an archive (OCI layout + docker manifest.json) here. */
  out?: string;
  /** Push the image here (`oci://HOST/REPO:TAG`). */
  push?: string;
  /** Plain HTTP to a loopback registry: for the base when its host is loopback, and for the push when its host is. */
  insecure?: boolean;
  /**
   * Package a model marked failed (refused otherwise, `MLSHIP_E_VERSION_FAILED`): the image then says
   * `dev.mlship.status=failed` in its labels and both versions are marked failed.
   */
  allowFailed?: boolean;
  /** Store new images/ and packages/ versions even when the latest ones are this image. */
  newVersion?: boolean;
  env?: NodeJS.ProcessEnv;
  onProgress?: (event: { step: string; detail?: string }) => void;
}

export interface PackageModelResult {
  model: { ref: string; digest: string };
  /** `failed` when the model is (packaged with `allowFailed`): the image and the package are marked failed too. */
  status: 'ok' | 'failed';
  target: Target;
  base: string;
  platforms: string[];
  /** `reused`: the latest packages/ version already described this image (same digest and target). */
  package: { ref: string; digest: string; reused: boolean };
  image: {
    ref: string;
    digest: string;
    mediaType: string;
    reused: boolean;
    /** Per platform: our layers above the base, compressed bytes. */
    platforms: Array<{ platform: string; digest: string; layers: Array<{ name: string; digest: string; size: number }>; sizeAboveBase: number }>;
  };
  bundleDir?: string;
  archive?: string;
  pushed?: { location: string; digest: string; blobsUploaded: number; blobsSkipped: number };
  seconds: { bundle: number; image: number; total: number };
  /** What the bundle could not record (e.g. npm integrity, inlined packages), for the user to see. */
  warnings: string[];
}

export function parsePlatform(text: string): ImagePlatform {
  const match = /^(linux)\/(amd64|arm64)$/.exec(text.trim());
  if (!match) {
    throw new MlshipError(ErrorCode.usage, `unsupported platform ${JSON.stringify(text)}`, {
      hint: 'give linux/amd64 and/or linux/arm64 (comma-separated)',
      exitCode: ExitCode.usage,
    });
  }
  return { os: 'linux', architecture: match[2] as 'amd64' | 'arm64' };
}

/** Labels a base image may carry that describe the base, not this image: dropped unless we set them. */
const BASE_ONLY_LABELS = ['org.opencontainers.image.source', 'org.opencontainers.image.revision'];

/**
 * Where `--insecure` applies: the base when it is in a registry on loopback, the push when its host is
 * loopback. One flag may serve a loopback push of an image built on a remote (HTTPS) base.
 */
export function insecureScope(base: string, push: string | undefined, insecure: boolean | undefined): { base: boolean; push: boolean } {
  if (!insecure) return { base: false, push: false };
  const reference = parseImageReference(base);
  return {
    base: reference.transport === 'docker' && isLoopbackHost(reference.host),
    push: push !== undefined && isLoopbackHost(parseOciLocation(push).host),
  };
}

/** The requested platforms, each given once. */
export function parsePlatforms(texts: string[]): ImagePlatform[] {
  const platforms = texts.map(parsePlatform);
  const seen = new Set<string>();
  for (const platform of platforms) {
    const key = `${platform.os}/${platform.architecture}`;
    if (seen.has(key)) {
      throw new MlshipError(ErrorCode.usage, `platform ${key} is given twice`, { hint: 'give each platform once, e.g. linux/amd64,linux/arm64', exitCode: ExitCode.usage });
    }
    seen.add(key);
  }
  return platforms;
}

/** The latest packages/NAME version when it already describes this image (digest and target): a rebuild adds none. */
async function unchangedPackage(registry: string, name: string, imageDigest: string, target: Target): Promise<{ ref: string; digest: string } | undefined> {
  const latest = await resolveRef(registry, `packages/${name}`).catch((error: unknown) => {
    if (error instanceof MlshipError && error.exitCode === ExitCode.usage) return undefined;
    throw error;
  });
  const image = latest?.metadata.extra?.image as { digest?: unknown } | undefined;
  if (!latest || image?.digest !== imageDigest || latest.metadata.params?.target !== target) return undefined;
  return { ref: latest.ref, digest: latest.digest };
}

const LAYER_NAMES = ['runtime', 'app', 'weights'] as const;

/** The three layers of one platform: the bundle's files mapped under /opt/mlship. */
function layersFor(bundle: BundleResult, platform: ImagePlatform): LayerEntry[][] {
  const entry = (path: string): LayerEntry => ({ path: `${IMAGE_ROOT}/${path}`, source: { file: join(bundle.dir, path) } });
  return [bundle.layers.runtime(platform).map(entry), bundle.layers.app.map(entry), bundle.layers.weights.map(entry)];
}


/**
 * Builds the image and stores it as images/NAME:N. Its blobs are unreferenced until putImage adds the
 * index entry, so this stays a registered writer until then: a concurrent `registry gc` keeps them.
 */
async function buildAndStoreImage(name: string, build: BuildImageOptions, newVersion: boolean) {
  const unregister = await registerWriter(build.registry);
  try {
    const image = await buildImage(build);
    const stored = await putImage({ registry: build.registry, name, manifest: { mediaType: image.mediaType, digest: image.digest, size: image.size }, ...(newVersion ? { newVersion } : {}) });
    return { image, stored };
  } finally {
    await unregister();
  }
}

export async function packageModel(options: PackageModelOptions): Promise<PackageModelResult> {
  const started = performance.now();
  const platformTexts = options.platforms && options.platforms.length > 0 ? options.platforms : DEFAULT_PLATFORMS[options.target];
  const progress = options.onProgress ?? (() => undefined);
  // Bad input fails here, before any work or progress output.
  const platforms = parsePlatforms(platformTexts);
  // The normalised name (`node:20` → docker.io/library/node:20): how it is spelled must not change the image.
  const base = parseImageReference(options.base ?? DEFAULT_BASES[options.target]).name;
  const insecure = insecureScope(base, options.push, options.insecure);
  const status = assertUsable(await resolveModel(options.registry, options.ref), { action: 'package', ...(options.allowFailed ? { allowFailed: true } : {}) });

  const temp = options.bundleDir ? undefined : await mkdtemp(join(tmpdir(), 'mlship-bundle-'));
  const bundleDir = options.bundleDir ?? join(temp!, 'bundle');
  try {
    progress({ step: 'bundle', detail: options.ref });
    const bundle = await buildBundle({
      registry: options.registry,
      modelRef: options.ref,
      target: options.target,
      outDir: bundleDir,
      runtimeFile: options.runtimeFile ?? defaultRuntimeFile(),
      platforms,
      base,
      ...(options.name ? { name: options.name } : {}),
    });
    const bundleSeconds = (performance.now() - started) / 1000;
    const name = options.name ?? bundle.model.name;

    progress({ step: 'image', detail: `${base} for ${platformTexts.join(', ')}` });
    const labels: Record<string, string> = {
      'org.opencontainers.image.title': `${name} (mlship ${options.target})`,
      'org.opencontainers.image.version': String(bundle.model.version),
      'org.opencontainers.image.created': bundle.model.created,
      'org.opencontainers.image.description': `${bundle.model.ref} served over the KServe V2 protocol by mlship`,
      'org.opencontainers.image.base.name': base,
      'dev.mlship.model.ref': bundle.model.ref,
      'dev.mlship.model.digest': bundle.model.digest,
      'dev.mlship.target': options.target,
    };
    // Only a failed image carries the label, so that the image of a good model is what it was before.
    if (status === 'failed') labels[ImageLabel.status] = 'failed';
    const dataset = bundle.model.datasetParents[0];
    if (dataset) {
      labels['dev.mlship.dataset.ref'] = dataset.ref;
      labels['dev.mlship.dataset.digest'] = dataset.digest;
    }
    if (bundle.model.git?.commit) {
      labels['org.opencontainers.image.revision'] = bundle.model.git.commit;
      labels['dev.mlship.git.commit'] = bundle.model.git.commit;
      if (bundle.model.git.remote) labels['org.opencontainers.image.source'] = bundle.model.git.remote;
    }
    // The base's source and revision would describe the base, not this image.
    const removeLabels = BASE_ONLY_LABELS.filter((label) => labels[label] === undefined);
    const imageStarted = performance.now();
    const { image, stored } = await buildAndStoreImage(name, {
      registry: options.registry,
      base,
      platforms,
      layers: (platform) => layersFor(bundle, platform),
      layerNames: [...LAYER_NAMES],
      config: {
        entrypoint: ENTRYPOINT,
        // As the bundle's Dockerfile: distroless Node bases keep node off PATH, in /nodejs/bin.
        env: { PATH: `${DISTROLESS_NODE_DIR}:\${PATH}`, MLSHIP_HOST: '0.0.0.0', MLSHIP_PORT: String(SERVE_PORT), MLSHIP_TARGET: options.target, NODE_ENV: 'production' },
        exposedPorts: [SERVE_PORT],
        workingDir: BUNDLE_ROOT,
        user: SERVE_USER,
        labels,
        removeLabels,
        healthcheck: { test: ['CMD', 'node', '-e', HEALTHCHECK_SCRIPT], intervalSeconds: 10, timeoutSeconds: 3, startPeriodSeconds: 10, retries: 3 },
      },
      created: bundle.model.created,
      ...(insecure.base ? { insecure: true } : {}),
      ...(options.env ? { env: options.env } : {}),
    }, options.newVersion === true);
    const imageSeconds = (performance.now() - imageStarted) / 1000;
    progress({ step: 'store', detail: stored.ref });
    const unchanged = stored.reused && options.newVersion !== true ? await unchangedPackage(options.registry, name, image.digest, options.target) : undefined;
    const pkg = unchanged
      ? { ...unchanged, reused: true }
      : {
          ...(await putArtifact({
            registry: options.registry,
            kind: 'packages',
            name,
            files: bundle.files.map((file) => ({ path: join(bundle.dir, file.path), name: file.path })),
            parents: [bundle.model.ref],
            params: { target: options.target, base, platforms: platformTexts },
            extra: { image: { ref: stored.ref, digest: image.digest, mediaType: image.mediaType } },
            git: bundle.model.git ?? null,
            // Also implied by the failed model, its parent.
            ...(status === 'failed' ? { status } : {}),
          })),
          reused: false,
        };

    const result: PackageModelResult = {
      model: { ref: bundle.model.ref, digest: bundle.model.digest },
      status,
      target: options.target,
      base,
      platforms: platformTexts,
      package: { ref: pkg.ref, digest: pkg.digest, reused: pkg.reused },
      image: {
        ref: stored.ref,
        digest: image.digest,
        mediaType: image.mediaType,
        reused: stored.reused,
        platforms: image.manifests.map((manifest) => ({
          platform: `${manifest.platform.os}/${manifest.platform.architecture}`,
          digest: manifest.digest,
          layers: manifest.layers.map((layer) => ({ name: layer.name, digest: layer.digest, size: layer.size })),
          sizeAboveBase: manifest.layers.reduce((sum, layer) => sum + layer.size, 0),
        })),
      },
      seconds: { bundle: bundleSeconds, image: imageSeconds, total: 0 },
      warnings: [...bundle.warnings],
    };
    if (options.bundleDir) result.bundleDir = bundle.dir;
    if (options.out) {
      progress({ step: 'archive', detail: options.out });
      // Tagged as the images/ version it is (not the model's version: several images may serve one model).
      await writeImageArchive({ registry: options.registry, digest: image.digest, mediaType: image.mediaType, file: options.out, repoTag: `localhost/${name}:${stored.version}` });
      result.archive = options.out;
    }
    if (options.push) {
      progress({ step: 'push', detail: options.push });
      const pushed = await pushArtifact({ registry: options.registry, ref: stored.ref, to: options.push, ...(insecure.push ? { insecure: true } : {}), ...(options.env ? { env: options.env } : {}) });
      result.pushed = { location: pushed.location, digest: pushed.digest, blobsUploaded: pushed.blobsUploaded, blobsSkipped: pushed.blobsSkipped };
    }
    result.seconds.total = (performance.now() - started) / 1000;
    return result;
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}

/**
 * The bundled server runtime: beside this module in the CLI bundle (dist/bundle/serve-runtime.mjs),
 * or the CLI's build output when this package runs from its own dist or src (tests).
 */
export function defaultRuntimeFile(
  candidates: string[] = ['./serve-runtime.mjs', '../../cli/dist/bundle/serve-runtime.mjs'].map((path) => fileURLToPath(new URL(path, import.meta.url))),
): string {
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw bundleError(BundleErrorCode.runtimeMissing, 'the server runtime (serve-runtime.mjs) is not built', 'run `pnpm run build`', { candidates });
  }
  return found;
}
