/**
 * `buildBundle`: a stored model → a directory with everything needed to serve it (the server
 * runtime, ONNX Runtime for the target platforms, the model, package files, SBOM, provenance and a
 * Dockerfile), laid out as the image's /opt/mlship. Built in a temp directory beside `outDir` and
 * renamed into place, so `outDir` holds a complete bundle or none. Deterministic: the same model and
 * options give byte-identical files (the only time in them is the model version's creation time).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, open, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { digestFile, ErrorCode, makeDirectory, ExitCode, fsyncDir, hexOf, isValidName, MLSHIP_VERSION, MlshipError, TEMP_PREFIX, type Digest } from '@mlship/core';
import { SERVED_MODEL_FILE } from '@mlship/onnx/model-files';
import { BundleErrorCode, bundleError } from './errors.js';
import { DEFAULT_BUNDLE_BASES, dockerfile, dockerignore } from './dockerfile.js';
import { modelFacts, modelFileNames, modelJson, resolveModel, writeModelFile } from './model-source.js';
import { readIntegrityIndex, type IntegrityIndex } from './npm-integrity.js';
import { packageJson, packageLock } from './npm-files.js';
import { javascriptFiles, locateOnnxRuntime, nativeDir, nativeFiles, onnxruntimeArch, type NpmPackage } from './onnxruntime-package.js';
import { buildProvenance } from './provenance.js';
import { readInlinedPackages, runtimePackagesFile, type InlinedPackage } from './runtime-packages.js';
import { buildSbom, type SbomFile, type SbomNpmPackage } from './sbom.js';
import type { BuildBundleOptions, BundleFile, BundlePlatform, BundleResult } from './types.js';

export const RUNTIME_PATH = 'server/serve-runtime.mjs';
const MODEL_DIR = 'model';

const platformText = (platform: BundlePlatform): string => `${platform.os}/${platform.architecture}`;

/** The requested platforms, checked and without repeats (first occurrence kept). */
function checkPlatforms(platforms: BundlePlatform[]): BundlePlatform[] {
  if (platforms.length === 0) {
    throw new MlshipError(ErrorCode.usage, 'a bundle needs at least one platform', { hint: 'give linux/amd64 and/or linux/arm64', exitCode: ExitCode.usage });
  }
  const seen = new Set<string>();
  return platforms.filter((platform) => {
    const arch = onnxruntimeArch(platform);
    if (seen.has(arch)) return false;
    seen.add(arch);
    return true;
  });
}

async function checkRuntimeFile(file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw bundleError(BundleErrorCode.runtimeMissing, `the server runtime ${file} is not there`, 'run `pnpm run build` (it bundles packages/serve into packages/cli/dist/bundle/serve-runtime.mjs)', { runtimeFile: file });
  }
}

/** Refuses an `outDir` that is a file, or a non-empty directory unless `force`. */
async function checkOutDir(outDir: string, force: boolean): Promise<'absent' | 'empty' | 'replace'> {
  const info = await stat(outDir).catch(() => undefined);
  if (!info) return 'absent';
  if (!info.isDirectory()) {
    throw bundleError(BundleErrorCode.outDirNotEmpty, `${outDir} is a file, not a directory`, 'choose another bundle directory', { outDir });
  }
  if ((await readdir(outDir)).length === 0) return 'empty';
  if (force) return 'replace';
  throw bundleError(BundleErrorCode.outDirNotEmpty, `${outDir} is not empty`, 'choose a new or empty directory, or remove it first', { outDir });
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes the tree's modes the bundle's (directories 0755, files 0644) whatever the umask, so that
 * `docker build` copies files anyone in the image can read, then flushes every directory, deepest
 * first, so that the entries survive a crash once the tree is renamed into place. Returns the
 * directories in the order they were flushed.
 */
export async function settleTree(root: string): Promise<string[]> {
  const directories: string[] = [];
  const visit = async (dir: string, depth: number): Promise<Array<{ dir: string; depth: number }>> => {
    await chmod(dir, 0o755);
    const found = [{ dir, depth }];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) found.push(...(await visit(path, depth + 1)));
      else await chmod(path, 0o644);
    }
    return found;
  };
  const found = await visit(root, 0);
  for (const { dir } of found.sort((a, b) => b.depth - a.depth || (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0))) {
    await fsyncDir(dir);
    directories.push(dir);
  }
  return directories;
}

/** Collects the bundle's files as they are written: path → absolute file. */
class BundleWriter {
  readonly paths: string[] = [];
  private readonly hashed = new Map<string, { digest: Digest; size: number }>();
  constructor(readonly root: string) {}

  private async target(path: string): Promise<string> {
    const file = join(this.root, path);
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    this.paths.push(path);
    return file;
  }

  async text(path: string, content: string): Promise<void> {
    await writeFile(await this.target(path), content, { flag: 'wx', mode: 0o644 });
  }

  async copy(path: string, source: string): Promise<void> {
    const file = await this.target(path);
    await copyFile(source, file);
    // copyFile keeps the source's mode; the bundle's are fixed.
    await chmod(file, 0o644);
  }

  /** Reserves `path` for a file written by someone else (the registry stream). */
  async reserve(path: string): Promise<string> {
    return this.target(path);
  }

  /** Digests of the files written so far, sorted by path; each file is hashed once (none is rewritten). */
  async digests(): Promise<Map<string, { digest: Digest; size: number }>> {
    const result = new Map<string, { digest: Digest; size: number }>();
    for (const path of [...this.paths].sort()) {
      let known = this.hashed.get(path);
      if (!known) {
        known = await digestFile(join(this.root, path));
        this.hashed.set(path, known);
      }
      result.set(path, known);
    }
    return result;
  }
}

/** An npm package the bundle ships as files, for the SBOM. */
function shippedPackage(pkg: NpmPackage, files: SbomFile[], integrity: IntegrityIndex): SbomNpmPackage {
  const known = integrity.lookup(pkg.name, pkg.version);
  return {
    name: pkg.name,
    version: pkg.version,
    license: pkg.license,
    description: pkg.description,
    dependencies: Object.keys(pkg.dependencies),
    ...(known ? { integrity: known } : {}),
    files,
    shipped: 'node_modules',
  };
}

/** An npm package inlined into the server runtime, for the SBOM. */
function inlinedPackage(pkg: InlinedPackage, integrity: IntegrityIndex): SbomNpmPackage {
  const known = integrity.lookup(pkg.name, pkg.version);
  return { name: pkg.name, version: pkg.version, license: pkg.license, dependencies: pkg.dependencies, ...(known ? { integrity: known } : {}), files: [], shipped: 'inlined' };
}

export async function buildBundle(options: BuildBundleOptions): Promise<BundleResult> {
  const platforms = checkPlatforms(options.platforms);
  if (options.name !== undefined && !isValidName(options.name)) {
    throw new MlshipError(ErrorCode.usage, `bad name ${JSON.stringify(options.name)}`, { hint: 'names use lowercase letters, digits and . _ - between them', exitCode: ExitCode.usage });
  }
  const model = await resolveModel(options.registry, options.modelRef);
  const facts = modelFacts(model);
  const runtimeFile = resolve(options.runtimeFile);
  await checkRuntimeFile(runtimeFile);
  const onnxruntime = await locateOnnxRuntime({ ...(options.onnxruntimeDir ? { explicitDir: options.onnxruntimeDir } : {}), runtimeFile, moduleUrl: import.meta.url });
  const outDir = resolve(options.outDir);
  const outState = await checkOutDir(outDir, options.force ?? false);

  const base = options.base ?? DEFAULT_BUNDLE_BASES[options.target];
  const name = options.name ?? facts.name;
  const appName = `mlship-serve-${name}`;
  const platformTexts = platforms.map(platformText);
  const warnings: string[] = [];

  await makeDirectory(dirname(outDir));
  const temp = join(dirname(outDir), `${TEMP_PREFIX}${basename(outDir)}-${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(temp, { mode: 0o755 });
  try {
    const writer = new BundleWriter(temp);
    await writer.copy(RUNTIME_PATH, runtimeFile);

    // runtime: ONNX Runtime's JavaScript, and its native binaries for each platform
    const runtimeFiles: Record<'common' | 'node', string[]> = { common: [], node: [] };
    const nativeByArch = new Map<string, string[]>();
    for (const [key, pkg] of [['common', onnxruntime.common], ['node', onnxruntime.node]] as Array<['common' | 'node', NpmPackage]>) {
      for (const file of await javascriptFiles(pkg)) {
        const path = `node_modules/${pkg.name}/${file}`;
        await writer.copy(path, join(pkg.dir, file));
        runtimeFiles[key].push(path);
      }
    }
    for (const platform of platforms) {
      const paths: string[] = [];
      for (const file of await nativeFiles(onnxruntime.node, platform)) {
        const path = `node_modules/${onnxruntime.node.name}/${file}`;
        await writer.copy(path, join(onnxruntime.node.dir, file));
        paths.push(path);
      }
      nativeByArch.set(onnxruntimeArch(platform), paths);
    }

    // weights: the stored model files (verified while they stream), model.json, provenance
    const modelFiles = modelFileNames(model);
    for (const file of modelFiles) {
      await writeModelFile(options.registry, model, file, await writer.reserve(`${MODEL_DIR}/${file}`));
    }
    await writer.text(`${MODEL_DIR}/${SERVED_MODEL_FILE}`, modelJson(facts));
    let digests = await writer.digests();
    const subjects = [...modelFiles, SERVED_MODEL_FILE].sort().map((file) => ({ path: `${MODEL_DIR}/${file}`, digest: digests.get(`${MODEL_DIR}/${file}`)!.digest }));
    await writer.text(
      `${MODEL_DIR}/provenance.json`,
      buildProvenance({
        subjects,
        model: facts,
        otherParents: model.metadata.parents.filter((parent) => !parent.ref.startsWith('datasets/')),
        // The resolved version: how the ref was spelled (alias, latest, number) must not change the bytes.
        modelRef: facts.ref,
        target: options.target,
        platforms: platformTexts,
        base,
        name,
      }),
    );

    // app: package files; the lockfile's integrity comes from the lockfile that installed ONNX Runtime
    const integrity = await readIntegrityIndex(onnxruntime.node.dir);
    warnings.push(...integrity.warnings);
    const npmInput = {
      name: appName,
      version: MLSHIP_VERSION,
      description: `The mlship server (KServe V2 and /v1/predict over HTTP) for the model ${facts.name}`,
      packages: [onnxruntime.common, onnxruntime.node],
      integrity,
    };
    for (const pkg of npmInput.packages) {
      if (!integrity.lookup(pkg.name, pkg.version)) {
        warnings.push(`no registry integrity for ${pkg.name}@${pkg.version} (${integrity.source ?? 'no lockfile found'}): package-lock.json omits it`);
      }
    }
    await writer.text('package.json', packageJson(npmInput));
    await writer.text('package-lock.json', packageLock(npmInput));

    // the SBOM, over the files written so far
    digests = await writer.digests();
    const sbomFiles = (paths: string[]) => paths.map((path) => ({ path, sha256: hexOf(digests.get(path)!.digest) }));
    const inlined = await readInlinedPackages(runtimeFile);
    if (!inlined) warnings.push(`${runtimePackagesFile(runtimeFile)} is missing: the SBOM cannot list the npm packages inlined into the server runtime`);
    const nodeFiles = [...runtimeFiles.node, ...[...nativeByArch.values()].flat()].sort();
    const sbomPackages: SbomNpmPackage[] = [
      shippedPackage(onnxruntime.common, sbomFiles(runtimeFiles.common), integrity),
      shippedPackage(onnxruntime.node, sbomFiles(nodeFiles), integrity),
      ...(inlined ?? []).map((pkg) => inlinedPackage(pkg, integrity)),
    ];
    const sbom = buildSbom({
      application: { name: appName, version: MLSHIP_VERSION, description: npmInput.description, files: sbomFiles([RUNTIME_PATH]) },
      packages: sbomPackages,
      model: { ...facts, file: sbomFiles([`${MODEL_DIR}/model.onnx`])[0]! },
      tool: { name: 'mlship', version: MLSHIP_VERSION },
      serialSeed: [facts.ref, facts.digest, appName, options.target, base, ...platformTexts, digests.get(RUNTIME_PATH)!.digest].join('\n'),
    });
    await writer.text('sbom.cdx.json', sbom.text);

    const dockerfileText = dockerfile({ appName, model: facts, target: options.target, base, platforms: platformTexts });
    await writer.text('Dockerfile', dockerfileText);
    await writer.text('.dockerignore', dockerignore());

    digests = await writer.digests();
    for (const path of digests.keys()) await syncFile(join(temp, path));
    await settleTree(temp);
    const files: BundleFile[] = [...digests].map(([path, { digest, size }]) => ({ path, size, digest }));

    // into place: the old directory (empty, or replaced with `force`) moves aside first
    const aside = `${temp}-old`;
    if (outState === 'empty') await rmdir(outDir);
    if (outState === 'replace') await rename(outDir, aside);
    try {
      await rename(temp, outDir);
    } catch (error) {
      if (outState === 'replace') await rename(aside, outDir).catch(() => undefined);
      throw error;
    }
    await fsyncDir(dirname(outDir));
    if (outState === 'replace') await rm(aside, { recursive: true, force: true });

    const sorted = (paths: string[]) => [...paths].sort();
    const javascript = sorted([...runtimeFiles.common, ...runtimeFiles.node]);
    return {
      dir: outDir,
      model: facts,
      files,
      layers: {
        runtime(platform: BundlePlatform): string[] {
          const native = nativeByArch.get(onnxruntimeArch(platform));
          if (!native) {
            throw new MlshipError(ErrorCode.usage, `the bundle has no ONNX Runtime binaries for ${platformText(platform)} (${nativeDir(platform)})`, {
              hint: `it was built for ${platformTexts.join(', ')}`,
              exitCode: ExitCode.usage,
            });
          }
          return sorted([...javascript, ...native]);
        },
        app: sorted([RUNTIME_PATH, 'package.json', 'package-lock.json']),
        weights: sorted([...subjects.map((subject) => subject.path), `${MODEL_DIR}/provenance.json`, 'sbom.cdx.json']),
      },
      sbom: { components: sbom.components, files: sbom.files },
      dockerfile: dockerfileText,
      base,
      warnings,
    };
  } finally {
    if (existsSync(temp)) await rm(temp, { recursive: true, force: true });
  }
}
