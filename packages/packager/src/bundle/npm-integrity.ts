/**
 * Registry integrity (`sha512-…`, the npm tarball's hash) of installed packages, read from the
 * lockfile that installed them: pnpm's `node_modules/.pnpm/lock.yaml` or `pnpm-lock.yaml`, npm's
 * `node_modules/.package-lock.json` or `package-lock.json`, the nearest above the package.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface IntegrityIndex {
  /** The lockfile read, or null when none was found. */
  source: string | null;
  /** Lockfiles passed over because they could not be read (invalid JSON). */
  warnings: string[];
  lookup(name: string, version: string): string | undefined;
}

/**
 * Integrity by `name@version` from a pnpm lockfile (v6–v9): entries of its `packages:` section are
 * `  name@version:` (quoted when scoped) followed by `    resolution: {integrity: …}`.
 */
export function parsePnpmLock(text: string): Map<string, string> {
  const found = new Map<string, string>();
  let inPackages = false;
  let key: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      inPackages = line.startsWith('packages:');
      key = undefined;
      continue;
    }
    if (!inPackages) continue;
    const entry = /^ {2}'?\/?((?:@[^/@\s']+\/)?[^@\s']+@[^\s:'()]+)(?:\([^)]*\))*'?:\s*$/.exec(line);
    if (entry) {
      key = entry[1];
      continue;
    }
    const integrity = /^ {4}resolution:\s*\{.*\bintegrity:\s*([A-Za-z0-9+/=-]+)/.exec(line);
    if (key && integrity && !found.has(key)) found.set(key, integrity[1]!);
  }
  return found;
}

/** Integrity by `name@version` from an npm lockfile (v2/v3 `packages`). */
export function parseNpmLock(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const lock = JSON.parse(text) as { packages?: Record<string, { name?: string; version?: string; integrity?: string } | null> } | null;
  const packages = lock !== null && typeof lock === 'object' && lock.packages !== null && typeof lock.packages === 'object' ? lock.packages : {};
  for (const [path, entry] of Object.entries(packages)) {
    if (entry === null || typeof entry !== 'object') continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (path !== '' && entry.version && entry.integrity) found.set(`${name}@${entry.version}`, entry.integrity);
  }
  return found;
}

/** Reads the nearest lockfile above `packageDir` (a real path). */
export async function readIntegrityIndex(packageDir: string): Promise<IntegrityIndex> {
  const warnings: string[] = [];
  for (let dir = packageDir; ; dir = dirname(dir)) {
    const pnpm = basename(dir) === '.pnpm' ? [join(dir, 'lock.yaml')] : [join(dir, 'pnpm-lock.yaml')];
    for (const file of pnpm) {
      if (existsSync(file)) return index(file, parsePnpmLock(await readFile(file, 'utf8')), warnings);
    }
    for (const file of [join(dir, 'node_modules', '.package-lock.json'), join(dir, 'package-lock.json')]) {
      if (!existsSync(file)) continue;
      let entries: Map<string, string>;
      try {
        entries = parseNpmLock(await readFile(file, 'utf8'));
      } catch (error) {
        // Any package-lock.json above the package is found; one that is not JSON is not ours to fail on.
        if (!(error instanceof SyntaxError)) throw error;
        warnings.push(`${file} is not valid JSON (${error.message}): passed over`);
        continue;
      }
      return index(file, entries, warnings);
    }
    if (dirname(dir) === dir) return { source: null, lookup: () => undefined, warnings };
  }
}

function index(source: string, entries: Map<string, string>, warnings: string[]): IntegrityIndex {
  return { source, lookup: (name, version) => entries.get(`${name}@${version}`), warnings };
}

/** The npm registry's tarball URL of a package version. */
export function tarballUrl(name: string, version: string): string {
  const bare = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  return `https://registry.npmjs.org/${name}/-/${bare}-${version}.tgz`;
}

/** `sha512-<base64>` → lowercase hex (CycloneDX hashes are hex), or undefined for another algorithm. */
export function sha512Hex(integrity: string): string | undefined {
  const match = /^sha512-([A-Za-z0-9+/=]+)$/.exec(integrity.trim().split(/\s+/)[0] ?? '');
  return match ? Buffer.from(match[1]!, 'base64').toString('hex') : undefined;
}
