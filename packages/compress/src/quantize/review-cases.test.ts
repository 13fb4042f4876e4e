/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// Graphs other exporters write: initializers listed as graph inputs, old opsets, quantized graphs
// given to fp16 'full', and a Conv bias that cannot be int32 at the scale static quantization picks.
import { GraphBuilder, IR_VERSION, encodeModel, type OnnxModel } from '@mlship/onnx';
import { caught, makeTempDir } from '@mlship/test-utils';
import { CompressErrorCode } from '../errors.js';
import { checkWithOnnx, randomFloats, writeModelFile } from '../../test/helpers.js';
import { calibrateRanges, activationsToCalibrate } from './calibrate.js';
import { convertToFloat16 } from './float16.js';
import { quantizeDynamic } from './quantize-dynamic.js';
import { quantizeStatic } from './quantize-static.js';
import { gemmModel, maxAbsDiff, rowsFor, runRows, seededCnn, type TestModel } from '../../test/quantize-models.js';

const { dir } = await makeTempDir('mlship-compress-quantize-review-');

/** The Gemm model with its weights also declared as graph inputs, as exporters before IR 4 wrote them. */
function withInitializerInputs(test: TestModel): TestModel {
  const graph = test.model.graph;
  const extra = graph.initializers.map((tensor) => ({ name: tensor.name, dataType: tensor.dataType, shape: tensor.dims }));
  return { ...test, model: { ...test.model, graph: { ...graph, inputs: [...graph.inputs, ...extra] } } };
}

describe('graphs from other exporters', () => {
  it('drops graph inputs that are initializers, so every pass runs in ONNX Runtime and passes the checker', async () => {
    const test = withInitializerInputs(gemmModel());
    const rows = rowsFor(test, 20, 3);
    const reference = await runRows(gemmModel().model, test, rows, 20);
    const ranges = await calibrateRanges({ model: test.model, input: { name: test.input, data: rows, rowDims: test.rowDims, count: 20 }, values: activationsToCalibrate(test.model), method: 'minmax' });
    const passes: Array<[string, OnnxModel]> = [
      ['dynamic', quantizeDynamic(test.model).model],
      ['qdq', quantizeStatic(test.model, { ranges }).model],
      ['qoperator', quantizeStatic(test.model, { ranges, format: 'qoperator' }).model],
      ['fp16-weights', convertToFloat16(test.model, { mode: 'weights' }).model],
      ['fp16-full', convertToFloat16(test.model, { mode: 'full' }).model],
    ];
    for (const [id, model] of passes) {
      expect(model.graph.inputs.map((input) => input.name)).toEqual(['x']);
      expect(maxAbsDiff(await runRows(model, test, rows, 20), reference)).toBeLessThan(0.1);
      const path = writeModelFile(dir, `initializer-inputs-${id}`, encodeModel(model));
      expect(await checkWithOnnx([path])).toEqual({ [path]: 'ok' });
    }
  });

  it('refuses int8 below opset 13 with a coded error', async () => {
    const test = gemmModel();
    const old: OnnxModel = { ...test.model, opsetImports: [{ domain: '', version: 11 }] };
    const error = await caught(Promise.resolve().then(() => quantizeDynamic(old)));
    expect(error.code).toBe(CompressErrorCode.options);
    expect(error.message).toMatch(/opset 11/);
  });

  it("refuses fp16 'full' on a quantized graph (its scales must stay float32)", async () => {
    const int8 = quantizeDynamic(gemmModel().model).model;
    const error = await caught(Promise.resolve().then(() => convertToFloat16(int8, { mode: 'full' })));
    expect(error.code).toBe(CompressErrorCode.options);
    expect(convertToFloat16(int8, { mode: 'weights' }).model.graph.nodes.length).toBeGreaterThan(0);
  });

  it('keeps a Conv bias float (QDQ) or the Conv float (QOperator) when the bias does not fit int32, instead of wrapping it', async () => {
    const test = await seededCnn();
    const conv = test.model.graph.nodes.find((node) => node.opType === 'Conv')!;
    const graph = test.model.graph;
    // Tiny weights make x_scale·w_scale tiny, so the bias 0.5 needs far more than 2³¹ steps.
    const initializers = graph.initializers.map((tensor) => {
      if (tensor.name === conv.inputs[1]) return { ...tensor, data: Float32Array.from(tensor.data as Float32Array, (value) => value * 1e-9) };
      if (tensor.name === conv.inputs[2]) return { ...tensor, data: new Float32Array((tensor.data as Float32Array).length).fill(0.5) };
      return tensor;
    });
    const model: OnnxModel = { ...test.model, graph: { ...graph, initializers } };
    const rows = rowsFor(test, 16, 5);
    const reference = await runRows(model, test, rows, 16);
    for (const format of ['qdq', 'qoperator'] as const) {
      const ranges = await calibrateRanges({ model, input: { name: test.input, data: rows, rowDims: test.rowDims, count: 16 }, values: activationsToCalibrate(model, undefined, format), method: 'minmax' });
      const result = quantizeStatic(model, { ranges, format });
      expect(result.skipped.map((entry) => entry.reason).join(' ')).toMatch(/int32/);
      expect(result.model.graph.initializers.some((tensor) => tensor.dataType === 'int32' && Array.from(tensor.data as Int32Array).some((value) => Math.abs(value) > 2 ** 30))).toBe(false);
      expect(maxAbsDiff(await runRows(result.model, test, rows, 16), reference)).toBeLessThan(0.05);
    }
  });

  it('stores a weight two MatMuls share once', async () => {
    const builder = new GraphBuilder('shared');
    const x = builder.addInput('x', 'float32', ['N', 8]);
    const w = builder.constantFloat('w', [8, 8], randomFloats(64, 21));
    const h = builder.addNode('Relu', [builder.addNode('MatMul', [x, w], 'mm1')], 'relu');
    const y = builder.addNode('MatMul', [h, w], 'y');
    builder.addOutput(y, 'float32', ['N', 8]);
    const model: OnnxModel = { irVersion: IR_VERSION, opsetImports: [{ domain: '', version: 13 }], producerName: 'test', producerVersion: '0', graph: builder.toGraph() };
    const test: TestModel = { model, input: 'x', rowDims: [8] };
    const rows = rowsFor(test, 10, 7);
    const ranges = await calibrateRanges({ model, input: { name: 'x', data: rows, rowDims: [8], count: 10 }, values: activationsToCalibrate(model, undefined, 'qoperator'), method: 'minmax' });
    for (const result of [quantizeDynamic(model), quantizeStatic(model, { ranges }), quantizeStatic(model, { ranges, format: 'qoperator' })]) {
      expect(result.weights).toHaveLength(2);
      expect(result.model.graph.initializers.filter((tensor) => tensor.dataType === 'int8' && tensor.dims.length === 2)).toHaveLength(1);
      expect(maxAbsDiff(await runRows(result.model, test, rows, 10), await runRows(model, test, rows, 10))).toBeLessThan(0.1);
    }
  });
});
