/**
 * Finding the installed onnxruntime-node (and the onnxruntime-common it requires) and choosing the
 * files the server needs at run time: package.json, the JavaScript under dist/, license notices, and
 * the native binaries of the requested Linux platforms only. adm-zip and global-agent are not taken:
 * only onnxruntime-node's install script (which downloads optional CUDA providers) requires them.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, realpath } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { ErrorCode, ExitCode, MlshipError } from '@mlship/core';
import { BundleErrorCode, bundleError } from './errors.js';
import type { BundlePlatform } from './types.js';

export interface NpmPackage {
  /** The package directory (real path). */
  dir: string;
  name: string;
  version: string;
  license: string | null;
  description: string | null;
  /** Dependencies its package.json declares (name → range). */
  dependencies: Record<string, string>;
  hasInstallScript: boolean;
  os: string[] | null;
}

export interface OnnxRuntimePackages {
  node: NpmPackage;
  common: NpmPackage;
}

/** ONNX Runtime's directory name for an OCI architecture (`bin/napi-v6/linux/<arch>/`). */
export function onnxruntimeArch(platform: BundlePlatform): 'x64' | 'arm64' {
  if (platform.os === 'linux' && platform.architecture === 'amd64') return 'x64';
  if (platform.os === 'linux' && platform.architecture === 'arm64' && (platform.variant === undefined || platform.variant === 'v8')) return 'arm64';
  throw new MlshipError(ErrorCode.usage, `unsupported platform ${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`, {
    hint: 'bundles support linux/amd64 and linux/arm64 (the Linux binaries onnxruntime-node ships)',
    exitCode: ExitCode.usage,
  });
}

export function nativeDir(platform: BundlePlatform): string {
  return `bin/napi-v6/linux/${onnxruntimeArch(platform)}`;
}

export async function readNpmPackage(dir: string): Promise<NpmPackage> {
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  const license = typeof manifest.license === 'string' ? manifest.license : ((manifest.license as { type?: string } | undefined)?.type ?? null);
  const scripts = (manifest.scripts ?? {}) as Record<string, string>;
  return {
    dir,
    name: String(manifest.name),
    version: String(manifest.version),
    license,
    description: typeof manifest.description === 'string' ? manifest.description : null,
    dependencies: (manifest.dependencies ?? {}) as Record<string, string>,
    hasInstallScript: Boolean(scripts.preinstall || scripts.install || scripts.postinstall),
    os: Array.isArray(manifest.os) ? (manifest.os as string[]) : null,
  };
}

/** The package directory of `specifier` as resolved from `from` (a file path or file URL), or undefined. */
function resolvePackageDir(from: string, name: string): string | undefined {
  try {
    return dirname(createRequire(from).resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/** Walks up from a resolved entry file to the directory whose package.json names `name`. */
async function packageRootOf(file: string, name: string): Promise<string | undefined> {
  let dir = dirname(file);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(await readFile(manifest, 'utf8')) as { name?: string }).name === name) return dir;
      } catch {
        // not a package root
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * onnxruntime-node: `explicitDir`, else the copy this module resolves, else the one `runtimeFile`
 * resolves; onnxruntime-common: the copy onnxruntime-node itself requires.
 */
export async function locateOnnxRuntime(options: { explicitDir?: string; runtimeFile: string; moduleUrl: string }): Promise<OnnxRuntimePackages> {
  const candidates = options.explicitDir ? [options.explicitDir] : [resolvePackageDir(options.moduleUrl, 'onnxruntime-node'), resolvePackageDir(options.runtimeFile, 'onnxruntime-node')];
  const found = candidates.find((dir): dir is string => dir !== undefined && existsSync(join(dir, 'package.json')));
  const hint = 'install mlship with its dependencies (`pnpm install`), or give the onnxruntime-node package directory';
  if (!found) {
    throw bundleError(BundleErrorCode.onnxruntimeMissing, `onnxruntime-node is not installed where ${options.explicitDir ?? 'mlship'} can find it`, hint);
  }
  const node = await readNpmPackage(await realpath(found));
  if (node.name !== 'onnxruntime-node') {
    throw bundleError(BundleErrorCode.onnxruntimeMissing, `${found} holds ${node.name}, not onnxruntime-node`, hint);
  }
  let commonEntry: string | undefined;
  try {
    commonEntry = createRequire(join(node.dir, 'package.json')).resolve('onnxruntime-common');
  } catch {
    commonEntry = undefined;
  }
  const commonDir = commonEntry ? await packageRootOf(commonEntry, 'onnxruntime-common') : undefined;
  if (!commonDir) {
    throw bundleError(BundleErrorCode.onnxruntimeMissing, `onnxruntime-common, which onnxruntime-node ${node.version} requires, is not installed beside it (${node.dir})`, hint);
  }
  return { node, common: await readNpmPackage(await realpath(commonDir)) };
}

/** Files under `dir` (recursively), as sorted `/`-separated paths relative to `root`. */
async function filesUnder(root: string, dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

const NOTICE_FILE = /^(licen[cs]e|notice|thirdpartynotices)(\.[a-z]+)?$/i;
const RUNTIME_FILE = /(\.js|\.cjs|\.mjs|\/package\.json)$/;

/** The run-time files of a package (relative to its directory): package.json, notices, JavaScript under dist/. */
export async function javascriptFiles(pkg: NpmPackage): Promise<string[]> {
  const notices = (await readdir(pkg.dir, { withFileTypes: true })).filter((entry) => entry.isFile() && NOTICE_FILE.test(entry.name)).map((entry) => entry.name);
  const dist = (await filesUnder(pkg.dir, join(pkg.dir, 'dist'))).filter((path) => RUNTIME_FILE.test(path));
  return ['package.json', ...notices.sort(), ...dist];
}

/** onnxruntime-node's native files for one platform (relative to its directory). */
export async function nativeFiles(pkg: NpmPackage, platform: BundlePlatform): Promise<string[]> {
  const dir = nativeDir(platform);
  const files = await filesUnder(pkg.dir, join(pkg.dir, dir));
  if (!files.some((path) => path.endsWith('.node'))) {
    throw bundleError(
      BundleErrorCode.onnxruntimeMissing,
      `onnxruntime-node ${pkg.version} at ${pkg.dir} has no binaries for ${platform.os}/${platform.architecture} (${dir})`,
      'reinstall onnxruntime-node; its npm package ships the linux x64 and arm64 binaries',
    );
  }
  return files;
}
