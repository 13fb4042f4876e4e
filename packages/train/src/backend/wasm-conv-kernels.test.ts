// The Conv2D gradient kernels mlship adds to the wasm backend: the same gradients as tfjs's cpu
// backend, and a Conv2D model that trains on wasm (auto picks it) with reproducible weights.
import type { Tensor } from '@tensorflow/tfjs';
import type { Table } from '../dataset/load-table.js';
import { loadTfjs } from '../tfjs.js';
import { trainModel } from '../train-model.js';
import { weightsDigest } from '../weights-digest.js';
import { resolveBackend } from './training-backend.js';
import { WASM_CONV_GRADIENT_KERNELS } from './wasm-conv-kernels.js';

const tf = await loadTfjs();

/** Deterministic values in [-1, 1) (a small LCG), some exact zeros. */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = i % 7 === 3 ? 0 : s / 2 ** 31 - 1;
  }
  return out;
}

type Case = { x: [number, number, number, number]; filter: [number, number, number, number]; strides: 1 | 2; pad: 'same' | 'valid' };
const cases: Case[] = [];
for (const [x, filter] of [
  [[2, 8, 8, 1], [3, 3, 1, 4]],
  [[3, 7, 6, 3], [3, 3, 3, 5]],
  [[2, 9, 9, 3], [2, 4, 3, 2]],
  [[1, 5, 5, 1], [5, 5, 1, 3]],
] as Array<[Case['x'], Case['filter']]>) {
  for (const strides of [1, 2] as const) for (const pad of ['same', 'valid'] as const) cases.push({ x, filter, strides, pad });
}

/** dLoss/dx and dLoss/dfilter of sum(conv2d(x, filter) · r) on the active backend. */
function convGradients({ x: xShape, filter: fShape, strides, pad }: Case): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(xShape.reduce((a, b) => a * b), 1), xShape);
    const w = tf.tensor4d(values(fShape.reduce((a, b) => a * b), 2), fShape);
    const outShape = tf.conv2d(x, w, strides, pad).shape;
    const r = tf.tensor(values(outShape.reduce((a, b) => a * b), 3), outShape);
    const loss = (...args: Tensor[]) => tf.sum(tf.mul(tf.conv2d(args[0] as typeof x, args[1] as typeof w, strides, pad), r));
    const [dx, dw] = tf.grads(loss)([x, w]);
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

// Small 8×8 "images" of three classes (a bright row, column or diagonal), as trainModel takes them.
function imageTable(): Table {
  const columns = [...Array.from({ length: 64 }, (_, i) => `px${i}`), 'shape'];
  const rows = Array.from({ length: 60 }, (_, n) => {
    const kind = n % 3;
    const at = (n * 5) % 8;
    const noise = values(64, 100 + n);
    const pixels = Array.from({ length: 64 }, (_, i) => {
      const [r, c] = [Math.floor(i / 8), i % 8];
      const on = kind === 0 ? r === at : kind === 1 ? c === at : r === c;
      return String(Math.round((on ? 12 : 2) + 2 * noise[i]!));
    });
    return [...pixels, ['row', 'column', 'diagonal'][kind]!];
  });
  return { columns, rows, lines: rows.map((_, i) => i + 2) };
}

describe('wasm Conv2D gradient kernels', () => {
  it('registers Conv2DBackpropFilter for wasm when the backend is activated', async () => {
    await resolveBackend({ tf, requested: 'wasm' });
    for (const name of WASM_CONV_GRADIENT_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  it.each(cases)('conv2d x $x filter $filter strides $strides $pad: wasm gradients equal cpu within 1e-4', async (c) => {
    await tf.setBackend('cpu');
    const cpu = convGradients(c);
    await tf.setBackend('wasm');
    const wasm = convGradients(c);
    expect(maxAbsDiff(wasm.dw, cpu.dw)).toBeLessThan(1e-4);
    expect(maxAbsDiff(wasm.dx, cpu.dx)).toBeLessThan(1e-4);
  });

  it('trains a small CNN on wasm: auto picks wasm, and two runs give the same weights', async () => {
    const data = imageTable();
    const spec = {
      preprocessing: { image: { height: 8, width: 8, channels: 1 } },
      model: {
        layers: [
          { type: 'Conv2D' as const, filters: 4, kernelSize: 3, padding: 'same' as const, activation: 'relu' as const },
          { type: 'MaxPooling2D' as const, poolSize: 2 },
          { type: 'Conv2D' as const, filters: 4, kernelSize: 3, strides: 2, activation: 'relu' as const },
          { type: 'AveragePooling2D' as const, poolSize: 1 },
          { type: 'Flatten' as const },
        ],
      },
      epochs: 3,
      batchSize: 16,
      seed: 3,
    };
    const first = await trainModel({ data, label: 'shape', spec });
    expect(first.backend.name).toBe('wasm');
    expect(first.backend.skipped.map((s) => s.name)).toEqual(['tensorflow']);
    expect(first.history).toHaveLength(3);
    expect(first.history.every((h) => Number.isFinite(h.loss))).toBe(true);
    const second = await trainModel({ data, label: 'shape', spec: { ...spec, backend: 'wasm' } });
    expect(second.backend).toMatchObject({ name: 'wasm', reason: 'requested by name' });
    expect(await weightsDigest(second.model)).toBe(await weightsDigest(first.model));
    first.model.dispose();
    second.model.dispose();
  });
});
