/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// ONNX Runtime loaded once for every package (serve, compress, this one), with its own log output off.
import { GraphBuilder } from './graph-builder.js';
import { encodeModel } from './write-model.js';
import { createInferenceSession, loadedOnnxRuntime, loadOnnxRuntime } from './runtime.js';

function reluModel(): Uint8Array {
  const b = new GraphBuilder('relu');
  const input = b.addInput('x', 'float32', ['N', 2]);
  b.addOutput(b.addNode('Relu', [input], 'relu'), 'float32', ['N', 2]);
  return encodeModel({ irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 'mlship-test', producerVersion: '0', graph: b.toGraph() });
}

describe('ONNX Runtime', () => {
  it('loads onnxruntime-node once, unwrapped and quiet, and creates sessions', async () => {
    const runtime = await loadOnnxRuntime();
    expect(await loadOnnxRuntime()).toBe(runtime);
    expect(loadedOnnxRuntime()).toBe(runtime);
    expect(typeof runtime.InferenceSession.create).toBe('function');
    expect(runtime.env.logLevel).toBe('fatal');
    const session = await createInferenceSession(reluModel(), { intraOpNumThreads: 1 });
    try {
      const output = await session.run({ x: new runtime.Tensor('float32', Float32Array.from([-1, 2, 3, -4]), [2, 2]) });
      expect(Array.from(Object.values(output)[0]!.data as Float32Array)).toEqual([0, 2, 3, 0]);
    } finally {
      await session.release();
    }
  });

  it('rejects bytes that are not a model with ONNX Runtime\'s own error', async () => {
    await expect(createInferenceSession(Uint8Array.from([1, 2, 3]))).rejects.toThrow();
  });
});
