/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
import { encodeModel, GraphBuilder, IR_VERSION } from '@mlship/onnx';
import type { OnnxModel } from '@mlship/onnx';
import { makeTempDir } from '@mlship/test-utils';
import { checkWithOnnx, writeModelFile } from '../../test/helpers.js';
import { activationsToCalibrate, calibrateRanges } from './calibrate.js';
import { activationParameters, quantizeStatic } from './quantize-static.js';
import { argmaxAgreement, gemmModel, rowsFor, runRows, seededCnn, seededMlp } from '../../test/quantize-models.js';
import type { TestModel } from '../../test/quantize-models.js';

const { dir } = await makeTempDir('mlship-compress-quantize-static-');
const ROWS = 128;

describe('calibrateRanges', () => {
  // y = Relu(x): the ranges of x and y are known from the rows.
  const builder = new GraphBuilder('relu');
  const x = builder.addInput('x', 'float32', ['N', 4]);
  builder.addOutput(builder.addNode('Relu', [x], 'y'), 'float32', ['N', 4]);
  const model: OnnxModel = { irVersion: IR_VERSION, opsetImports: [{ domain: '', version: 13 }], producerName: 'test', producerVersion: '0', graph: builder.toGraph() };
  const data = Float32Array.from({ length: 400 }, (_, i) => (i === 7 ? 50 : ((i * 37) % 101) / 10 - 3));
  const input = { name: 'x', data, rowDims: [4], count: 100 };

  test('minmax gives the exact extremes, with 0 included', async () => {
    const ranges = await calibrateRanges({ model, input, values: ['x', 'y'], method: 'minmax' });
    expect(ranges.get('x')).toEqual({ min: -3, max: 50 });
    expect(ranges.get('y')).toEqual({ min: 0, max: 50 });
  });

  test('percentile ranges lie inside the minmax ones and drop the outlier', async () => {
    const ranges = await calibrateRanges({ model, input, values: ['x', 'y'], method: 'percentile', percentile: 99 });
    const x = ranges.get('x')!;
    expect(x.min).toBeGreaterThanOrEqual(-3);
    expect(x.max).toBeLessThan(10);
    expect(ranges.get('y')!.min).toBe(0);
  });

  test('data that does not fit the rows is a coded error', async () => {
    await expect(calibrateRanges({ model, input: { ...input, count: 99 }, values: ['x'], method: 'minmax' })).rejects.toMatchObject({ code: expect.stringMatching(/^MLSHIP_E_/) });
  });
});

describe('quantizeStatic (QOperator)', () => {
  const cases: Array<[string, () => Promise<TestModel> | TestModel, number]> = [
    ['mlp', seededMlp, 5],
    ['cnn', seededCnn, 4],
    ['gemm', gemmModel, 3],
  ];
  test.each(cases)('%s: QLinear operators, checker ok, same inputs/outputs, argmax agrees with fp32', async (id, build, classes) => {
    const test = await build();
    const rows = rowsFor(test, ROWS, 9);
    const values = activationsToCalibrate(test.model, undefined, 'qoperator');
    const ranges = await calibrateRanges({ model: test.model, input: { name: test.input, data: rows, rowDims: test.rowDims, count: ROWS }, values, method: 'minmax' });
    const result = quantizeStatic(test.model, { ranges, format: 'qoperator', perChannel: id === 'cnn' });
    const { graph } = result.model;
    expect(graph.inputs).toEqual(test.model.graph.inputs);
    expect(graph.outputs).toEqual(test.model.graph.outputs);
    expect(result.skipped).toEqual([]);
    const count = (op: string) => graph.nodes.filter((node) => node.opType === op).length;
    const source = (op: string) => test.model.graph.nodes.filter((node) => node.opType === op).length;
    expect(result.weights).toHaveLength(source('MatMul') + source('Gemm') + source('Conv'));
    expect(count('QLinearMatMul')).toBe(source('MatMul') + source('Gemm'));
    expect(count('QLinearConv')).toBe(source('Conv'));
    expect(count('MatMul') + count('Gemm') + count('Conv')).toBe(0);
    const path = writeModelFile(dir, `${id}-qoperator`, encodeModel(result.model));
    expect(await checkWithOnnx([path])).toEqual({ [path]: 'ok' });
    const before = await runRows(test.model, test, rows, ROWS);
    const after = await runRows(result.model, test, rows, ROWS);
    expect(argmaxAgreement(before, after, classes)).toBeGreaterThanOrEqual(0.95);
  });

  test('cnn: each Relu after a Conv folds into its range; MaxPool, Transpose and Flatten run on uint8', async () => {
    const test = await seededCnn();
    const rows = rowsFor(test, ROWS, 9);
    const values = activationsToCalibrate(test.model, undefined, 'qoperator');
    const ranges = await calibrateRanges({ model: test.model, input: { name: test.input, data: rows, rowDims: test.rowDims, count: ROWS }, values, method: 'minmax' });
    const { graph } = quantizeStatic(test.model, { ranges, format: 'qoperator' }).model;
    expect(test.model.graph.nodes.filter((node) => node.opType === 'Relu')).toHaveLength(2);
    // The input is quantized once; only the last MatMul's output is dequantized (for its bias Add and Softmax).
    expect(graph.nodes.map((node) => node.opType).filter((op) => op !== 'Sub' && op !== 'Div')).toEqual([
      'Transpose', 'QuantizeLinear', 'QLinearConv', 'MaxPool', 'QLinearConv', 'Transpose', 'Flatten', 'QLinearMatMul', 'DequantizeLinear', 'Add', 'Softmax',
    ]);
    const types = new Map(graph.initializers.map((tensor) => [tensor.name, tensor.dataType]));
    const conv = graph.nodes.find((node) => node.opType === 'QLinearConv')!;
    expect(conv.inputs.map((name) => types.get(name))).toEqual([undefined, 'float32', 'uint8', 'int8', 'float32', 'int8', 'float32', 'uint8', 'int32']);
    // Folded Relu: the output zero point is 0, so negative sums clamp to 0.
    expect(graph.initializers.find((tensor) => tensor.name === conv.inputs[7])!.data[0]).toBe(0);
  });
});

describe('quantizeStatic (QDQ)', () => {
  const cases: Array<[string, () => Promise<TestModel> | TestModel, number]> = [
    ['mlp', seededMlp, 5],
    ['cnn', seededCnn, 4],
    ['gemm', gemmModel, 3],
  ];
  test.each(cases)('%s: checker ok, same inputs/outputs, argmax agrees with fp32', async (id, build, classes) => {
    const test = await build();
    const rows = rowsFor(test, ROWS, 9);
    const values = activationsToCalibrate(test.model);
    const ranges = await calibrateRanges({ model: test.model, input: { name: test.input, data: rows, rowDims: test.rowDims, count: ROWS }, values, method: 'minmax' });
    const result = quantizeStatic(test.model, { ranges });
    const { graph } = result.model;
    expect(graph.inputs).toEqual(test.model.graph.inputs);
    expect(graph.outputs).toEqual(test.model.graph.outputs);
    expect(result.skipped).toEqual([]);
    const count = (op: string) => graph.nodes.filter((node) => node.opType === op).length;
    const targets = test.model.graph.nodes.filter((node) => ['MatMul', 'Gemm', 'Conv'].includes(node.opType)).length;
    expect(result.weights).toHaveLength(targets);
    expect(count('QuantizeLinear')).toBe(values.length);
    expect(count('DequantizeLinear')).toBeGreaterThanOrEqual(values.length + targets);
    const path = writeModelFile(dir, `${id}-qdq`, encodeModel(result.model));
    expect(await checkWithOnnx([path])).toEqual({ [path]: 'ok' });
    const before = await runRows(test.model, test, rows, ROWS);
    const after = await runRows(result.model, test, rows, ROWS);
    expect(argmaxAgreement(before, after, classes)).toBeGreaterThanOrEqual(0.95);
  });

  test('a target with no calibrated range is skipped and left in float', async () => {
    const test = await seededMlp();
    for (const format of ['qdq', 'qoperator'] as const) {
      const result = quantizeStatic(test.model, { ranges: new Map(), format });
      expect(result.weights).toEqual([]);
      expect(result.skipped).toHaveLength(3);
      expect(result.model.graph.nodes).toEqual(test.model.graph.nodes);
    }
  });

  test('qoperator needs the MatMul outputs as well; a Conv output is its Relu output', async () => {
    const mlp = await seededMlp();
    const matmuls = mlp.model.graph.nodes.filter((node) => node.opType === 'MatMul');
    const qdq = activationsToCalibrate(mlp.model);
    expect(qdq).toEqual(matmuls.map((node) => node.inputs[0]));
    expect(activationsToCalibrate(mlp.model, undefined, 'qoperator')).toEqual(matmuls.flatMap((node) => [node.inputs[0], node.outputs[0]]));
    const cnn = await seededCnn();
    const relus = cnn.model.graph.nodes.filter((node) => node.opType === 'Relu' && cnn.model.graph.nodes.some((conv) => conv.opType === 'Conv' && conv.outputs[0] === node.inputs[0]));
    for (const relu of relus) expect(activationsToCalibrate(cnn.model, undefined, 'qoperator')).toContain(relu.outputs[0]);
  });

  test('uint8 activation parameters map the range ends to 0 and 255 and zero exactly', () => {
    expect(activationParameters({ min: -1, max: 3 })).toEqual({ scale: 4 / 255, zeroPoint: 64 });
    expect(activationParameters({ min: 0, max: 0 })).toEqual({ scale: 1, zeroPoint: 0 });
    const positive = activationParameters({ min: 0.5, max: 2.55 });
    expect(positive.scale).toBeCloseTo(0.01, 12);
    expect(positive.zeroPoint).toBe(0);
  });
});
