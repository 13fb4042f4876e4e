// Jest's node environment, but with the main realm's typed arrays. onnxruntime-node's native
// binding creates its output arrays in the main realm, and onnxruntime-common (loaded in the test
// sandbox) rejects them by `instanceof` otherwise. Test files opt in with a `@jest-environment` docblock.
import { TestEnvironment } from 'jest-environment-node';

const SHARED = [
  'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

export default class MainRealmEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}
