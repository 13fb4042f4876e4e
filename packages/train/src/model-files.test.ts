import { join, resolve } from 'node:path';
import type { OnnxValueInfo } from '@mlship/onnx';
import { exportPlan } from './model-export.js';
import { signatureProblems } from './model-import.js';

const graph: { inputs: OnnxValueInfo[]; outputs: OnnxValueInfo[] } = {
  inputs: [{ name: 'x', dataType: 'float32', shape: ['batch', 4] }],
  outputs: [{ name: 'y', dataType: 'float32', shape: ['batch', 3] }],
};

describe('signatureProblems', () => {
  it('accepts a signature whose names, types and ranks match the graph (dimension names may differ)', () => {
    const signature = { format: 'mlship.signature.v1', inputs: [{ name: 'x', dataType: 'float32', shape: ['N', 4] }], outputs: [{ name: 'y', dataType: 'float32', shape: ['N', 3] }] };
    expect(signatureProblems(signature, graph)).toEqual([]);
  });

  it('lists every mismatch', () => {
    const signature = { format: 'other', inputs: [{ name: 'x', dataType: 'float64', shape: [4] }], outputs: [{ name: 'z', dataType: 'float32', shape: ['N', 3] }] };
    expect(signatureProblems(signature, graph)).toEqual([
      'format is "other", expected "mlship.signature.v1"',
      'input x: type float64, the graph has float32',
      'input x: rank 1, the graph has 2',
      'outputs are [z], the graph has [y]',
    ]);
    expect(signatureProblems([], graph)).toEqual(['the signature is not a JSON object']);
  });
});

describe('exportPlan', () => {
  it('puts onnx files in a directory, or a .onnx path with its signature beside it, and tfjs files in a directory', () => {
    expect(exportPlan('onnx', 'out', true)).toEqual([
      { name: 'model.onnx', path: join(resolve('out'), 'model.onnx') },
      { name: 'signature.json', path: join(resolve('out'), 'signature.json') },
    ]);
    expect(exportPlan('onnx', 'dist/iris.onnx', false)).toEqual([
      { name: 'model.onnx', path: resolve('dist/iris.onnx') },
      { name: 'signature.json', path: resolve('dist/iris.signature.json') },
    ]);
    expect(exportPlan('tfjs', 'web', false)).toEqual([
      { name: 'tfjs/model.json', path: join(resolve('web'), 'model.json') },
      { name: 'tfjs/weights.bin', path: join(resolve('web'), 'weights.bin') },
    ]);
  });
});
