/**
 * The built-in training backends, registered in the table when this module is first imported: the
 * package entry imports it (as onnxruntime's packages register their backends at their entry), and so
 * does `train-model.ts`, which resolves backends. A backend registered under the same name before
 * this module loads is replaced; one registered after it wins.
 */
import { cpuBackend } from './cpu-backend.js';
import { tensorflowBackend } from './tensorflow-backend.js';
import { registerBackend } from './training-backend.js';
import { wasmBackend } from './wasm-backend.js';

registerBackend('tensorflow', tensorflowBackend(), 300);
registerBackend('wasm', wasmBackend, 200);
registerBackend('cpu', cpuBackend, 100);
