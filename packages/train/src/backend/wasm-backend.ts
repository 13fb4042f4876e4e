/**
 * @tensorflow/tfjs-backend-wasm: WebAssembly with SIMD (no threads in Node), a few times faster than
 * cpu for dense models. It lacks some gradient kernels (Conv2DBackpropFilter, the depthwise ones), so
 * convolutional models fail the trial step and `auto` passes on to cpu.
 */
import type { TrainingBackend } from './training-backend.js';

export const wasmBackend: TrainingBackend = {
  description: 'WebAssembly with SIMD (@tensorflow/tfjs-backend-wasm)',
  async activate(tf) {
    await import('@tensorflow/tfjs-backend-wasm');
    return (await tf.setBackend('wasm')) ? { ok: true } : { ok: false, reason: 'the WebAssembly module did not start' };
  },
};
