/** Helpers for this package's tests: seeded data, tfjs on the cpu backend, model files, and onnx's own checker (temp dirs: `makeTempDir` from @mlship/test-utils). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** tfjs on the cpu backend. */
export { loadCpuTfjs as loadTf } from '@mlship/test-utils';

/** Deterministic floats in [low, high) (mulberry32). */
export function randomFloats(count: number, seed: number, low = -1, high = 1): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return low + unit * (high - low);
  });
}

export function writeModelFile(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, bytes);
  return path;
}

export { checkWithOnnx } from '@mlship/test-utils';
