/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
import { encodeModel } from '@mlship/onnx';
import { makeTempDir } from '@mlship/test-utils';
import { checkWithOnnx, randomFloats, writeModelFile } from '../../test/helpers.js';
import { quantizeDynamic } from './quantize-dynamic.js';
import { argmaxAgreement, gemmModel, maxAbsDiff, rowsFor, runRows, seededCnn, seededMlp } from '../../test/quantize-models.js';
import type { TestModel } from '../../test/quantize-models.js';
import { quantizeSymmetric, quantizeWeight } from './weight-quantization.js';

const { dir } = await makeTempDir('mlship-compress-quantize-dynamic-');
const ROWS = 200;
const models: Array<[string, () => Promise<TestModel> | TestModel, number]> = [
  ['mlp', seededMlp, 5],
  ['cnn', seededCnn, 4],
  ['gemm', gemmModel, 3],
];

describe('quantizeDynamic', () => {
  test.each(models)('%s: checker ok, same inputs/outputs, outputs close to fp32, smaller file', async (id, build, classes) => {
    const test = await build();
    const result = quantizeDynamic(test.model, { convMode: 'integer' });
    const { graph } = result.model;
    expect(graph.inputs).toEqual(test.model.graph.inputs);
    expect(graph.outputs).toEqual(test.model.graph.outputs);
    expect(result.skipped).toEqual([]);
    expect(result.weights.length).toBe(test.model.graph.nodes.filter((node) => ['MatMul', 'Gemm', 'Conv'].includes(node.opType)).length);
    expect(graph.nodes.some((node) => ['MatMul', 'Gemm', 'Conv'].includes(node.opType))).toBe(false);
    expect(graph.initializers.filter((tensor) => tensor.dataType === 'int8')).toHaveLength(result.weights.length);

    const path = writeModelFile(dir, `${id}-dynamic`, encodeModel(result.model));
    expect(await checkWithOnnx([path])).toEqual({ [path]: 'ok' });

    const rows = rowsFor(test, ROWS, 7);
    const before = await runRows(test.model, test, rows, ROWS);
    const after = await runRows(result.model, test, rows, ROWS);
    expect(argmaxAgreement(before, after, classes)).toBeGreaterThanOrEqual(0.95);
    expect(maxAbsDiff(before, after)).toBeLessThan(id === 'gemm' ? 0.1 : 0.05);
    expect(maxAbsDiff(before, after)).toBeGreaterThan(0);
    // Each weight element now takes one byte; in these tiny models names and structure are much of the file.
    const elements = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
    const int8Bytes = graph.initializers.filter((t) => t.dataType === 'int8').reduce((sum, t) => sum + t.data.length, 0);
    expect(int8Bytes).toBe(result.weights.reduce((sum, w) => sum + elements(w.dims), 0));
    if (id !== 'gemm') expect(encodeModel(result.model).length).toBeLessThan(encodeModel(test.model).length);
  });

  test('Conv defaults to weight-only: int8 weight, Cast·Mul to float, float Conv, reported in skipped', async () => {
    const test = await seededCnn();
    const result = quantizeDynamic(test.model, { perChannel: true });
    const { graph } = result.model;
    const convs = graph.nodes.filter((node) => node.opType === 'Conv');
    expect(convs).toHaveLength(2);
    expect(graph.nodes.filter((node) => ['ConvInteger', 'MatMul'].includes(node.opType))).toEqual([]);
    expect(graph.nodes.filter((node) => node.opType === 'MatMulInteger')).toHaveLength(1);
    expect(result.skipped).toEqual([]);
    expect(result.weights.filter((weight) => weight.op === 'Conv').map((weight) => weight.form)).toEqual(convs.map(() => 'weight-only'));
    for (const conv of convs) {
      const mul = graph.nodes.find((node) => node.outputs[0] === conv.inputs[1])!;
      const cast = graph.nodes.find((node) => node.outputs[0] === mul.inputs[0])!;
      expect([mul.opType, cast.opType]).toEqual(['Mul', 'Cast']);
      const weight = graph.initializers.find((tensor) => tensor.name === cast.inputs[0])!;
      expect(weight.dataType).toBe('int8');
      expect(graph.initializers.find((tensor) => tensor.name === mul.inputs[1])!.dims).toEqual([weight.dims[0], 1, 1, 1]);
    }
    expect(result.weights.map((w) => [w.op, w.granularity])).toEqual([['Conv', 'channel'], ['Conv', 'channel'], ['MatMul', 'channel']]);
    const path = writeModelFile(dir, 'cnn-weight-only', encodeModel(result.model));
    expect(await checkWithOnnx([path])).toEqual({ [path]: 'ok' });
    // Only rounding the weights differs from fp32, so outputs are closer than the integer form's.
    const rows = rowsFor(test, ROWS, 7);
    const before = await runRows(test.model, test, rows, ROWS);
    const weightOnly = await runRows(result.model, test, rows, ROWS);
    const integer = await runRows(quantizeDynamic(test.model, { perChannel: true, convMode: 'integer' }).model, test, rows, ROWS);
    expect(argmaxAgreement(before, weightOnly, 4)).toBeGreaterThanOrEqual(0.98);
    expect(maxAbsDiff(before, weightOnly)).toBeGreaterThan(0);
    expect(maxAbsDiff(before, weightOnly)).toBeLessThan(maxAbsDiff(before, integer));
  });

  test('per-channel on and off give channel and tensor granularity and different scales', async () => {
    const test = await seededMlp();
    const channel = quantizeDynamic(test.model, { perChannel: true });
    const tensor = quantizeDynamic(test.model, { perChannel: false });
    expect(channel.weights.map((w) => w.granularity)).toEqual(['channel', 'channel', 'channel']);
    expect(tensor.weights.map((w) => w.granularity)).toEqual(['tensor', 'tensor', 'tensor']);
    const scaleName = `${channel.weights[0]!.name}_scale`;
    const scale = (model: typeof test.model) => model.graph.initializers.find((t) => t.name === scaleName)!;
    expect(scale(channel.model).dims).toEqual([32]);
    expect(scale(tensor.model).dims).toEqual([]);
    channel.weights.forEach((weight, index) => expect(weight.maxAbsError).toBeLessThanOrEqual(tensor.weights[index]!.maxAbsError + 1e-9));
  });

  test('ops limits which operators are quantized; the others are left as they were', async () => {
    const test = await seededCnn();
    const result = quantizeDynamic(test.model, { ops: ['Conv'] });
    expect(result.weights.map((w) => w.op)).toEqual(['Conv', 'Conv']);
    expect(result.model.graph.nodes.filter((node) => node.opType === 'MatMul')).toHaveLength(1);
  });

  test('a MatMul whose weight is not an initializer is skipped with a reason', async () => {
    const test = await seededMlp();
    const model = structuredClone(test.model);
    const first = model.graph.nodes.find((node) => node.opType === 'MatMul')!;
    model.graph.inputs.push({ name: 'w', dataType: 'float32', shape: [12, 32] });
    first.inputs[1] = 'w';
    const result = quantizeDynamic(model);
    expect(result.skipped).toEqual([{ node: first.name, reason: 'its weight is not a float32 initializer' }]);
    expect(result.weights).toHaveLength(2);
  });
});

describe('weight quantization', () => {
  test('symmetric int8: zero maps to zero, extremes to ±127, error within half a step', () => {
    const values = Float32Array.from([0, 1.27, -0.635, 0.3, -1.27, 0.001]);
    const q = quantizeSymmetric(values, [6], null);
    expect(Array.from(q.data)).toEqual([0, 127, -64, 30, -127, 0]);
    expect(q.scales[0]).toBeCloseTo(0.01, 7);
    expect(q.maxAbsError).toBeLessThanOrEqual(0.005 + 1e-7);
  });

  test("'auto' picks per-channel only when channel ranges differ widely", () => {
    // [16, 8] with output channels along axis 1: similar ranges, then one channel 50× wider than the rest.
    const similar = randomFloats(128, 3);
    expect(quantizeWeight(similar, [16, 8], 1, 'auto').axis).toBeNull();
    const wide = similar.map((value, index) => (index % 8 === 0 ? value : value / 50));
    expect(quantizeWeight(wide, [16, 8], 1, 'auto').axis).toBe(1);
    const zeros = quantizeWeight(new Float32Array(6), [2, 3], 1, true);
    expect(Array.from(zeros.scales)).toEqual([1, 1, 1]);
  });
});
