/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// Latency in ONNX Runtime on a light and a far heavier MatMul chain: figures sane, ordering right, bad input coded.
import { GraphBuilder, IR_VERSION, encodeModel } from '@mlship/onnx';
import { caught } from '@mlship/test-utils';
import { CompressErrorCode } from '../errors.js';
import { randomFloats } from '../../test/helpers.js';
import { measureLatency, type LatencyInput } from './latency.js';

const FEATURES = 16;

/** features → MatMul chain of the given widths → Softmax. */
function chain(widths: number[], seed: number): Uint8Array {
  const builder = new GraphBuilder('chain');
  let value = builder.addInput('features', 'float32', ['N', FEATURES]);
  let width = FEATURES;
  widths.forEach((next, i) => {
    const w = builder.constantFloat(`w${i}`, [width, next], randomFloats(width * next, seed + i, -0.1, 0.1));
    value = builder.addNode('Relu', [builder.addNode('MatMul', [value, w], `mm${i}`)], `relu${i}`);
    width = next;
  });
  const output = builder.rename(builder.addNode('Softmax', [value], 'softmax'), 'probabilities');
  builder.addOutput(output, 'float32', ['N', width]);
  return encodeModel({ irVersion: IR_VERSION, opsetImports: [{ domain: '', version: 13 }], producerName: 'test', producerVersion: '0', graph: builder.toGraph() });
}

// light: 16·10 = 160 multiply-adds a row; heavy: 16·512 + 2·512·512 ≈ 532k, over 3000× more
const light = chain([10], 1);
const heavy = chain([512, 512, 512], 2);
const input: LatencyInput = { name: 'features', rows: randomFloats(20 * FEATURES, 9), rowDims: [FEATURES], count: 20 };

describe('measureLatency', () => {
  it('measures batch 1 and 64 for every model, and the far heavier model is slower', async () => {
    const figures = await measureLatency(
      [
        { id: 'light', bytes: light },
        { id: 'heavy', bytes: heavy },
      ],
      input,
      { calls: 120, repeats: 3, warmup: 10 },
    );
    expect(Object.keys(figures).sort()).toEqual(['heavy', 'light']);
    for (const { batch1, batch64 } of Object.values(figures)) {
      expect(batch1.batch).toBe(1);
      expect(batch64.batch).toBe(64);
      for (const value of [batch1.medianUs, batch1.rowsPerSecond, batch64.medianUs, batch64.rowsPerSecond]) {
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThan(0);
      }
    }
    // Over 3000× the work: the ordering holds with a wide margin even on a loaded machine (measured 20–35×).
    expect(figures.heavy!.batch64.medianUs).toBeGreaterThan(5 * figures.light!.batch64.medianUs);
  });

  it('repeats rows to fill the 64-row block when there are fewer', async () => {
    const one = { ...input, rows: input.rows.slice(0, FEATURES), count: 1 };
    const figures = await measureLatency([{ id: 'light', bytes: light }], one, { calls: 8, repeats: 1, warmup: 0 });
    expect(figures.light!.batch64.batch).toBe(64);
    expect(figures.light!.batch64.medianUs).toBeGreaterThan(0);
  });

  it('rejects input that does not fit, an unknown input name, bad options and bytes that are no model', async () => {
    const models = [{ id: 'light', bytes: light }];
    const short = await caught(measureLatency(models, { ...input, rows: input.rows.slice(1) }, { calls: 4 }));
    expect(short.code).toBe(CompressErrorCode.data);
    expect(short.message).toMatch(/need 320 floats, got 319/);

    const wrongName = await caught(measureLatency(models, { ...input, name: 'image' }, { calls: 4, repeats: 1 }));
    expect(wrongName.code).toBe(CompressErrorCode.data);
    expect(wrongName.message).toMatch(/no input named image/);

    const wrongWidth = await caught(measureLatency(models, { ...input, rows: input.rows.slice(0, 20 * 8), rowDims: [8] }, { calls: 4, repeats: 1 }));
    expect(wrongWidth.code).toBe(CompressErrorCode.data);
    expect(wrongWidth.message).toMatch(/does not run on rows of shape \[8\]/);

    const badCalls = await caught(measureLatency(models, input, { calls: 0 }));
    expect(badCalls.code).toBe(CompressErrorCode.options);

    const duplicate = await caught(measureLatency([...models, ...models], input, { calls: 4 }));
    expect(duplicate.code).toBe(CompressErrorCode.options);

    const garbage = await caught(measureLatency([{ id: 'garbage', bytes: Uint8Array.from([1, 2, 3]) }], input, { calls: 4 }));
    expect(garbage.code).toBe(CompressErrorCode.failed);
    expect(garbage.message).toMatch(/cannot load model garbage/);
  });
});
