export * from './temp.js';
export * from './cli.js';
export * from './oci-registry.js';
export * from './errors.js';
export * from './containers.js';
export * from './onnx-checker.js';
export * from './tfjs.js';
