/** Helpers for this package's tests: tfjs on the cpu backend, seeded floats, temp files and onnx's checker. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '@mlship/train';

/** tfjs on the cpu backend. */
export { loadCpuTfjs as loadTf } from '@mlship/test-utils';

/** Deterministic floats in [low, high). */
export function randomFloats(count: number, seed: number, low = -1, high = 1): Float32Array {
  const random = createRandom(`mlship.compress.test:${seed}`);
  return Float32Array.from({ length: count }, () => low + random() * (high - low));
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `mlship-compress-${prefix}-`));
}

export function writeModelFile(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, bytes);
  return path;
}

export { checkWithOnnx } from '@mlship/test-utils';
