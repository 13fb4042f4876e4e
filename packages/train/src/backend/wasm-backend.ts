/**
 * @tensorflow/tfjs-backend-wasm: WebAssembly with SIMD (no threads in Node), a few times faster than
 * cpu for dense models. It lacks Conv2DBackpropFilter, which mlship adds in plain JavaScript
 * (`wasm-conv-kernels.ts`), so Conv2D models train here too. It still lacks the depthwise gradient
 * kernels; a model needing one fails the trial step and `auto` passes on to cpu.
 */
import type { TrainingBackend } from './training-backend.js';
import { registerWasmConvKernels } from './wasm-conv-kernels.js';

export const wasmBackend: TrainingBackend = {
  description: 'WebAssembly with SIMD (@tensorflow/tfjs-backend-wasm)',
  async activate(tf) {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmConvKernels(tf);
    return (await tf.setBackend('wasm')) ? { ok: true } : { ok: false, reason: 'the WebAssembly module did not start' };
  },
};
