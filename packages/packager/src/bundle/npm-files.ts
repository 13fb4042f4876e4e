/**
 * The bundle's package.json and package-lock.json. They stay the same across versions of a model
 * (the version is the server's, not the model's), so they sit in the image's app layer. The lockfile
 * (v3) lists the tree that ships: onnxruntime-node's install-time dependencies (adm-zip,
 * global-agent) are not installed, so the bundle's node_modules is used as is, not with `npm ci`.
 */
import type { NpmPackage } from './onnxruntime-package.js';
import { tarballUrl, type IntegrityIndex } from './npm-integrity.js';

export const NODE_ENGINES = '>=20';
export const START_SCRIPT = 'node server/serve-runtime.mjs model';

export interface NpmFilesInput {
  /** `mlship-serve-<name>` */
  name: string;
  version: string;
  description: string;
  packages: NpmPackage[];
  integrity: IntegrityIndex;
}

const byName = (a: NpmPackage, b: NpmPackage): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function packageJson(input: NpmFilesInput): string {
  return json({
    name: input.name,
    version: input.version,
    description: input.description,
    private: true,
    type: 'module',
    engines: { node: NODE_ENGINES },
    scripts: { start: START_SCRIPT },
    dependencies: Object.fromEntries([...input.packages].sort(byName).map((pkg) => [pkg.name, pkg.version])),
  });
}

export function packageLock(input: NpmFilesInput): string {
  const packages: Record<string, unknown> = {
    '': {
      name: input.name,
      version: input.version,
      dependencies: Object.fromEntries([...input.packages].sort(byName).map((pkg) => [pkg.name, pkg.version])),
      engines: { node: NODE_ENGINES },
    },
  };
  for (const pkg of [...input.packages].sort(byName)) {
    const integrity = input.integrity.lookup(pkg.name, pkg.version);
    packages[`node_modules/${pkg.name}`] = {
      version: pkg.version,
      resolved: tarballUrl(pkg.name, pkg.version),
      ...(integrity ? { integrity } : {}),
      ...(pkg.hasInstallScript ? { hasInstallScript: true } : {}),
      ...(pkg.license ? { license: pkg.license } : {}),
      ...(Object.keys(pkg.dependencies).length > 0 ? { dependencies: pkg.dependencies } : {}),
      ...(pkg.os ? { os: pkg.os } : {}),
    };
  }
  return json({ name: input.name, version: input.version, lockfileVersion: 3, requires: true, packages });
}
