/**
 * Native TensorFlow through @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node (CPU). Neither
 * is a dependency (their install downloads libtensorflow, which fails on many machines): they are
 * used when a user installed one where Node resolves it from mlship or from the working directory.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Tf } from '../tfjs.js';
import type { BackendActivation, TrainingBackend } from './training-backend.js';

export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

/** The entry file of `name` as Node resolves it from one of `bases` (file URLs or paths), or undefined. */
export function resolvePackage(name: string, bases: readonly string[]): string | undefined {
  for (const base of bases) {
    try {
      return createRequire(base).resolve(name);
    } catch {
      // not resolvable from here: try the next base
    }
  }
  return undefined;
}

/** The version in the package.json above `entry` that names `name`, if one is found. */
function versionOf(name: string, entry: string): string | undefined {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === name) return manifest.version;
    } catch {
      // no package.json here
    }
  }
  return undefined;
}

export interface TensorflowBackendOptions {
  /** Packages to try, in order. */
  packages?: readonly string[];
  /** Where to resolve them from (default: this module, then the working directory). */
  bases?: readonly string[];
}

/**
 * The `tensorflow` backend: the first of `packages` that resolves, loads, registers tfjs's
 * `tensorflow` backend with the same tfjs this package uses, and starts.
 */
export function tensorflowBackend(options: TensorflowBackendOptions = {}): TrainingBackend {
  const packages = options.packages ?? TENSORFLOW_PACKAGES;
  return {
    description: 'native TensorFlow (@tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, when installed)',
    async activate(tf: Tf): Promise<BackendActivation> {
      const bases = options.bases ?? [import.meta.url, join(process.cwd(), 'noop.js')];
      const reasons: string[] = [];
      const missing: string[] = [];
      for (const name of packages) {
        const entry = resolvePackage(name, bases);
        if (!entry) {
          missing.push(name);
          continue;
        }
        try {
          await import(pathToFileURL(entry).href);
        } catch (error) {
          reasons.push(`${name} did not load: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
          continue;
        }
        if (!tf.findBackendFactory('tensorflow')) {
          reasons.push(`${name} loaded but registered no tensorflow backend with this @tensorflow/tfjs (another copy or version?)`);
          continue;
        }
        if (!(await tf.setBackend('tensorflow'))) {
          reasons.push(`${name}: the tensorflow backend did not start`);
          continue;
        }
        const version = versionOf(name, entry);
        return { ok: true, detail: version ? `${name} ${version}` : name };
      }
      if (missing.length > 0) reasons.unshift(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed`);
      return { ok: false, reason: reasons.join('; ') };
    },
  };
}
