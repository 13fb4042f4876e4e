import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ErrorCode, ExitCode, MlshipError, writeFileAtomic, type Digest, hexOf } from '@mlship/core';
import { OCI_LAYOUT_VERSION } from '@mlship/oci';
import { MediaType } from './media-types.js';

export const MLSHIP_DIR = '.mlship';
export const REGISTRY_SUBDIR = 'registry';

/** Paths inside one registry (an OCI image layout directory). */
export interface RegistryPaths {
  root: string;
  ociLayout: string;
  index: string;
  blobs: string;
  /** The lock file guarding index.json (see lock.ts). */
  lock: string;
  /** Registrations of puts in progress, so that gc never removes their blobs. */
  writers: string;
}

export function registryPaths(root: string): RegistryPaths {
  return {
    root,
    ociLayout: join(root, 'oci-layout'),
    index: join(root, 'index.json'),
    blobs: join(root, 'blobs', 'sha256'),
    lock: join(root, '.lock'),
    writers: join(root, '.writers'),
  };
}

export function blobPath(root: string, digest: Digest): string {
  return join(root, 'blobs', 'sha256', hexOf(digest));
}

function isRegistryDir(dir: string): boolean {
  try {
    return statSync(join(dir, 'oci-layout')).isFile();
  } catch {
    return false;
  }
}

export interface FindRegistryOptions {
  /** `--registry DIR`; wins over everything. */
  explicit?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * The registry to use: `--registry`, else `MLSHIP_REGISTRY`, else the nearest `.mlship/registry`
 * found upward from the working directory. An explicit directory may be the layout itself or
 * a project directory holding `.mlship/registry`.
 */
export function findRegistry(options: FindRegistryOptions = {}): string {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.explicit ?? (env.MLSHIP_REGISTRY || undefined);
  if (explicit !== undefined) {
    const dir = resolve(cwd, explicit);
    if (isRegistryDir(dir)) return dir;
    const nested = join(dir, MLSHIP_DIR, REGISTRY_SUBDIR);
    if (isRegistryDir(nested)) return nested;
    throw new MlshipError(ErrorCode.registryNotFound, `no mlship registry at ${dir}`, {
      hint: `run \`mlship init --registry ${explicit}\` to create one`,
      exitCode: ExitCode.usage,
    });
  }
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, MLSHIP_DIR, REGISTRY_SUBDIR);
    if (isRegistryDir(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new MlshipError(ErrorCode.registryNotFound, `no mlship registry in ${resolve(cwd)} or any parent directory`, {
    hint: 'run `mlship init` to create one here, or pass --registry DIR',
    exitCode: ExitCode.usage,
  });
}

export interface InitResult {
  registry: string;
  created: boolean;
}

/** Creates an empty registry; an existing one is left as it is. */
export async function initRegistry(options: { dir: string; layoutOnly?: boolean }): Promise<InitResult> {
  const base = resolve(options.dir);
  const root = options.layoutOnly ? base : join(base, MLSHIP_DIR, REGISTRY_SUBDIR);
  const paths = registryPaths(root);
  if (isRegistryDir(root)) return { registry: root, created: false };
  if (existsSync(root) && !statSync(root).isDirectory()) {
    throw new MlshipError(ErrorCode.usage, `${root} exists and is not a directory`, {
      hint: 'choose another directory',
      exitCode: ExitCode.usage,
    });
  }
  await mkdir(paths.blobs, { recursive: true });
  if (!options.layoutOnly) {
    await writeFile(join(base, MLSHIP_DIR, '.gitignore'), '# mlship artifacts are versioned in the registry, not in git\n*\n', {
      flag: 'w',
    });
  }
  if (!existsSync(paths.index)) {
    await writeFileAtomic(paths.index, `${JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [] }, null, 2)}\n`);
  }
  // oci-layout last: its presence marks a complete registry.
  await writeFileAtomic(paths.ociLayout, `${JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION })}\n`);
  return { registry: root, created: true };
}

export async function readOciLayoutVersion(root: string): Promise<string | undefined> {
  try {
    const parsed = JSON.parse(await readFile(registryPaths(root).ociLayout, 'utf8')) as { imageLayoutVersion?: unknown };
    return typeof parsed.imageLayoutVersion === 'string' ? parsed.imageLayoutVersion : undefined;
  } catch {
    return undefined;
  }
}
