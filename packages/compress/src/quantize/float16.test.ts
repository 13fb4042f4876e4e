/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
import { encodeModel } from '@mlship/onnx';
import { makeTempDir } from '@mlship/test-utils';
import { checkWithOnnx, writeModelFile } from '../../test/helpers.js';
import { convertToFloat16, toFloat16 } from './float16.js';
import type { Fp16Mode } from './float16.js';
import { gemmModel, maxAbsDiff, rowsFor, runRows, seededCnn, seededMlp } from '../../test/quantize-models.js';
import type { TestModel } from '../../test/quantize-models.js';

const { dir } = await makeTempDir('mlship-compress-float16-');
const ROWS = 64;
const cases: Array<[string, () => Promise<TestModel> | TestModel, Fp16Mode]> = [
  ['mlp', seededMlp, 'weights'],
  ['mlp', seededMlp, 'full'],
  ['cnn', seededCnn, 'weights'],
  ['cnn', seededCnn, 'full'],
  ['gemm', gemmModel, 'full'],
];

describe('convertToFloat16', () => {
  test.each(cases)('%s %s: checker ok, float32 inputs/outputs kept, outputs within 1e-2, weights halved', async (id, build, mode) => {
    const test = await build();
    const result = convertToFloat16(test.model, { mode });
    const { graph } = result.model;
    expect(graph.inputs).toEqual(test.model.graph.inputs);
    expect(graph.outputs).toEqual(test.model.graph.outputs);
    const path = writeModelFile(dir, `${id}-${mode}`, encodeModel(result.model));
    expect(await checkWithOnnx([path])).toEqual({ [path]: 'ok' });

    const rows = rowsFor(test, ROWS, 5);
    const difference = maxAbsDiff(await runRows(test.model, test, rows, ROWS), await runRows(result.model, test, rows, ROWS));
    expect(difference).toBeLessThan(1e-2);
    expect(difference).toBeGreaterThan(0);

    const floatBytes = (tensors: typeof graph.initializers, type: string) => tensors.filter((t) => t.dataType === type).reduce((sum, t) => sum + t.data.length, 0);
    const weightElements = result.weights.reduce((sum, w) => sum + w.dims.reduce((a, b) => a * b, 1), 0);
    expect(weightElements).toBeGreaterThan(0);
    expect(floatBytes(graph.initializers, 'float16')).toBeGreaterThanOrEqual(weightElements);
    if (mode === 'full') expect(floatBytes(graph.initializers, 'float32')).toBe(0);
    if (mode === 'weights') expect(graph.nodes.filter((n) => n.opType === 'Cast')).toHaveLength(result.weights.length);
    expect(encodeModel(result.model).length).toBeLessThan(encodeModel(test.model).length);
  });

  test('half bits round to nearest and report the rounding error', () => {
    const { bits, maxAbsError } = toFloat16(Float32Array.from([0, 1, -2, 65504, 1 / 3]));
    expect(Array.from(bits)).toEqual([0x0000, 0x3c00, 0xc000, 0x7bff, 0x3555]);
    expect(maxAbsError).toBeCloseTo(Math.fround(1 / 3) - 0.333251953125, 12);
  });
});
