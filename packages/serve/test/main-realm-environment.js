// Jest's node environment with the main realm's typed arrays (onnxruntime-node creates its outputs
// there). The same environment as @mlship/onnx's tests, which carries the jest-environment-node dependency.
export { default } from '../../onnx/test/main-realm-environment.js';
