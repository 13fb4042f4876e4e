/** Helpers for this package's tests: tfjs on the cpu backend, seeded floats, model files and onnx's checker (temp dirs: `makeTempDir` from @mlship/test-utils). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom } from '@mlship/train';

/** tfjs on the cpu backend. */
export { loadCpuTfjs as loadTf } from '@mlship/test-utils';

/** Deterministic floats in [low, high). */
export function randomFloats(count: number, seed: number, low = -1, high = 1): Float32Array {
  const random = createRandom(`mlship.compress.test:${seed}`);
  return Float32Array.from({ length: count }, () => low + random() * (high - low));
}

export function writeModelFile(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, bytes);
  return path;
}

export { checkWithOnnx } from '@mlship/test-utils';
