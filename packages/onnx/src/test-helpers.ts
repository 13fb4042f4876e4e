/** Helpers for this package's tests: seeded data, tfjs on the cpu backend, and onnx's own checker. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** tfjs on the cpu backend, without its hint to install tfjs-node. */
export async function loadTf(): Promise<typeof import('@tensorflow/tfjs')> {
  const tf = await import('@tensorflow/tfjs');
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  await tf.ready();
  return tf;
}

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

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `mlship-onnx-${prefix}-`));
}

const PYTHON = '/usr/bin/python3';
const CHECKER = `
import json, sys
try:
    import onnx
except ImportError:
    sys.exit(3)
result = {}
for path in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        result[path] = 'ok'
    except Exception as error:
        result[path] = str(error)
print(json.dumps(result))
`;

/**
 * Runs `onnx.checker.check_model(model, full_check=True)` (Debian's python3-onnx) on each file;
 * returns 'ok' or the checker's message per path. Throws when python3-onnx is missing.
 */
export async function checkWithOnnx(paths: string[]): Promise<Record<string, string>> {
  const result = await execa(PYTHON, ['-c', CHECKER, ...paths], { reject: false });
  if (result.exitCode !== 0) {
    throw new Error(
      `python3-onnx is needed to check exported models (exit ${String(result.exitCode)}: ${result.stderr}); install it with scripts/system-deps.sh`,
    );
  }
  return JSON.parse(result.stdout) as Record<string, string>;
}
