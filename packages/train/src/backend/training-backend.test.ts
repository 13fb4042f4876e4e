import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor4D } from '@tensorflow/tfjs';
import { buildModel } from '../model/build-model.js';
import { compileModel } from '../model/compile-model.js';
import type { ModelSpec } from '../spec/train-spec.js';
import { loadTfjs } from '../tfjs.js';
import './builtin-backends.js';
import { tensorflowBackend } from './tensorflow-backend.js';
import { autoOrder, registerBackend, registeredBackends, resolveBackend } from './training-backend.js';

const tf = await loadTfjs();

/** The trial step trainModel runs: one optimiser step of the model on zeros. */
function trialOf(model: ModelSpec, inputShape: number[]) {
  return async () => {
    const built = buildModel({ tf, model, inputShape, outputUnits: 3, outputActivation: 'softmax', seed: 1 });
    compileModel(tf, built, { optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy', task: 'classification' });
    const x = tf.zeros([2, ...inputShape]);
    const y = tf.zeros([2, 3]);
    try {
      await built.trainOnBatch(x, y);
    } finally {
      tf.dispose([x, y]);
      built.dispose();
    }
  };
}

const mlp = trialOf({ mlp: [8] }, [4]);
const cnn = trialOf({ layers: [{ type: 'Conv2D', filters: 2, kernelSize: 3 }, { type: 'Flatten' }] }, [8, 8, 1]);
/** A gradient wasm still lacks (the depthwise convolution's; mlship adds only Conv2D's). */
const depthwise = async () => {
  tf.tidy(() => {
    const x = tf.ones([1, 4, 4, 2]) as Tensor4D;
    tf.grad((f) => tf.sum(tf.depthwiseConv2d(x, f as Tensor4D, 1, 'valid')))(tf.ones([2, 2, 2, 1]));
  });
};
const noDepthwiseGrad = "cannot train this model: Kernel 'DepthwiseConv2dNativeBackpropFilter' not registered for backend 'wasm'";
const notInstalled = { name: 'tensorflow', reason: '@tensorflow/tfjs-node-gpu and @tensorflow/tfjs-node are not installed' };

describe('resolveBackend', () => {
  it('tries tensorflow, wasm, cpu in that order and picks wasm here for an MLP', async () => {
    expect(autoOrder()).toEqual(['tensorflow', 'wasm', 'cpu']);
    const choice = await resolveBackend({ tf, trial: mlp });
    expect(choice).toEqual({ name: 'wasm', reason: 'first in auto order (tensorflow → wasm → cpu) that loads and trains this model', skipped: [notInstalled] });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('picks wasm for a Conv2D model too (mlship registers Conv2DBackpropFilter for wasm)', async () => {
    const choice = await resolveBackend({ tf, requested: 'auto', trial: cnn });
    expect(choice).toEqual({ name: 'wasm', reason: 'first in auto order (tensorflow → wasm → cpu) that loads and trains this model', skipped: [notInstalled] });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('passes wasm over when the model needs a gradient kernel wasm lacks, and trains on cpu', async () => {
    const choice = await resolveBackend({ tf, requested: 'auto', trial: depthwise });
    expect(choice.name).toBe('cpu');
    expect(choice.skipped).toEqual([notInstalled, { name: 'wasm', reason: noDepthwiseGrad }]);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('uses a backend asked for by name, and fails with exit 3 when it cannot train the model', async () => {
    expect(await resolveBackend({ tf, requested: 'cpu', trial: mlp })).toEqual({ name: 'cpu', reason: 'requested by name', skipped: [] });
    await expect(resolveBackend({ tf, requested: 'wasm', trial: depthwise })).rejects.toMatchObject({
      code: 'MLSHIP_E_TRAIN_BACKEND_UNAVAILABLE',
      exitCode: 3,
      message: `training backend wasm cannot be used: ${noDepthwiseGrad}`,
    });
    await expect(resolveBackend({ tf, requested: 'tensorflow' })).rejects.toMatchObject({ code: 'MLSHIP_E_TRAIN_BACKEND_UNAVAILABLE', exitCode: 3 });
  });

  it('refuses an unknown name with exit 2, listing the registered ones', async () => {
    await expect(resolveBackend({ tf, requested: 'webgpu' })).rejects.toMatchObject({
      code: 'MLSHIP_E_TRAIN_BACKEND_UNKNOWN',
      exitCode: 2,
      hint: 'use auto or one of: tensorflow, wasm, cpu',
    });
  });

  it('takes registered backends by priority; a negative priority is used by name only', async () => {
    registerBackend('broken', { description: 'fails to load', activate: () => Promise.reject(new Error('no device\nstack')) }, 1000);
    const manual = {
      description: 'by name only',
      async activate(t: typeof tf) {
        await t.setBackend('cpu');
        return { ok: true as const, detail: 'cpu underneath' };
      },
    };
    registerBackend('manual', manual, -1);
    expect(registeredBackends()).toEqual(['broken', 'tensorflow', 'wasm', 'cpu', 'manual']);
    expect(autoOrder()).toEqual(['broken', 'tensorflow', 'wasm', 'cpu']);
    const choice = await resolveBackend({ tf, trial: mlp });
    expect(choice.name).toBe('wasm');
    expect(choice.skipped[0]).toEqual({ name: 'broken', reason: 'failed to load: no device' });
    expect(await resolveBackend({ tf, requested: 'manual' })).toEqual({ name: 'manual', reason: 'requested by name', detail: 'cpu underneath', skipped: [] });
    expect(() => registerBackend('auto', { description: '', activate: async () => ({ ok: true }) })).toThrow();
  });
});

describe('tensorflowBackend', () => {
  // Stand-ins for tfjs-node where Node resolves them: one that throws on load, one that registers nothing.
  const dir = mkdtempSync(join(tmpdir(), 'mlship-train-backend-'));
  const fakes: Array<[string, string]> = [
    ['fake-tfjs-node-broken', "throw new Error('libtensorflow.so: cannot open shared object file');"],
    ['fake-tfjs-node-silent', 'module.exports = {};'],
  ];
  for (const [name, body] of fakes) {
    mkdirSync(join(dir, 'node_modules', name), { recursive: true });
    writeFileSync(join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(dir, 'node_modules', name, 'index.js'), body);
  }

  it('loads the packages that resolve and says why each one failed', async () => {
    const backend = tensorflowBackend({ packages: ['fake-tfjs-node-missing', 'fake-tfjs-node-broken', 'fake-tfjs-node-silent'], bases: [join(dir, 'index.js')] });
    expect(await backend.activate(tf)).toEqual({
      ok: false,
      reason: [
        'fake-tfjs-node-missing is not installed',
        'fake-tfjs-node-broken did not load: libtensorflow.so: cannot open shared object file',
        'fake-tfjs-node-silent loaded but registered no tensorflow backend with this @tensorflow/tfjs (another copy or version?)',
      ].join('; '),
    });
  });
});
