/**
 * The npm packages inlined into the server runtime. The CLI's bundle step writes them beside the
 * runtime (`serve-runtime.packages.json`, from esbuild's metafile: exactly the packages whose code
 * the file holds), so the SBOM lists what really ships rather than a guess from package.json.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface InlinedPackage {
  name: string;
  version: string;
  license: string | null;
  /** Names of the dependencies it declares. */
  dependencies: string[];
}

export const RUNTIME_PACKAGES_FORMAT = 'mlship.runtime-packages.v1';

/** `dist/bundle/serve-runtime.mjs` → `dist/bundle/serve-runtime.packages.json`. */
export function runtimePackagesFile(runtimeFile: string): string {
  return `${runtimeFile.replace(/\.m?js$/, '')}.packages.json`;
}

/** The inlined packages, or null when the runtime has no list beside it (or the list is unreadable). */
export async function readInlinedPackages(runtimeFile: string): Promise<InlinedPackage[] | null> {
  const file = runtimePackagesFile(runtimeFile);
  if (!existsSync(file)) return null;
  try {
    const document = JSON.parse(await readFile(file, 'utf8')) as { format?: string; packages?: unknown };
    if (document.format !== RUNTIME_PACKAGES_FORMAT || !Array.isArray(document.packages)) return null;
    return (document.packages as Array<Record<string, unknown>>)
      .filter((entry) => typeof entry.name === 'string' && typeof entry.version === 'string')
      .map((entry) => ({
        name: entry.name as string,
        version: entry.version as string,
        license: typeof entry.license === 'string' ? entry.license : null,
        dependencies: Array.isArray(entry.dependencies) ? (entry.dependencies as unknown[]).filter((name): name is string => typeof name === 'string') : [],
      }));
  } catch {
    return null;
  }
}
