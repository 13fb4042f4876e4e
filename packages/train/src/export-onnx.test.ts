/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// What training hands the ONNX export: the trained model and the fitted preprocessing, folded into
// one graph that takes raw values and matches tfjs on the held-out rows within 1e-5.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cell } from '@mlship/data';
import { exportLayersModel, verifyExport } from '@mlship/onnx';
import { loadTable, type Table } from './dataset/load-table.js';
import type { TrainSpec } from './spec/train-spec.js';
import { trainModel } from './train-model.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const digits = await loadTable(join(root, 'examples', 'digits', 'digits.csv'));
const digitsSample: Table = { ...digits, rows: digits.rows.slice(0, 100), lines: digits.lines.slice(0, 100) };

// Numbers, a one-hot category and an index-encoded category.
const mixedRows = Array.from({ length: 120 }, (_, i): Cell[] => [String((i * 7) % 13), ['red', 'green', 'blue'][i % 3]!, ['s', 'm', 'l', 'xl'][i % 4]!, i % 3 === 0 ? 'yes' : 'no']);
const mixed: Table = { columns: ['size', 'colour', 'fit', 'bought'], rows: mixedRows, lines: mixedRows.map((_, i) => i + 2) };

const cases: Array<{ name: string; data: string | Table; label: string; spec: TrainSpec; inputName: string; backend: string }> = [
  { name: 'iris MLP', data: join(root, 'examples', 'iris', 'iris.csv'), label: 'species', spec: { model: { mlp: [16, 8] }, epochs: 5 }, inputName: 'features', backend: 'wasm' },
  {
    name: 'numeric and category features',
    data: mixed,
    label: 'bought',
    spec: { preprocessing: { columns: { fit: { type: 'category', encoding: 'index' } } }, model: { mlp: [8], batchNormalization: true, dropout: 0.1 }, epochs: 3 },
    inputName: 'features',
    backend: 'wasm',
  },
  { name: 'digits MLP on image pixels', data: digitsSample, label: 'digit', spec: { preprocessing: { image: { height: 8, width: 8, channels: 1 } }, model: { mlp: [32] }, epochs: 2 }, inputName: 'image', backend: 'wasm' },
  {
    name: 'digits CNN (trained on wasm)',
    data: digitsSample,
    label: 'digit',
    spec: {
      preprocessing: { image: { height: 8, width: 8, channels: 1 } },
      model: { layers: [{ type: 'Conv2D', filters: 4, kernelSize: 3, activation: 'relu' }, { type: 'AveragePooling2D', poolSize: 2 }, { type: 'Flatten' }, { type: 'Dense', units: 16, activation: 'relu' }] },
      epochs: 1,
      batchSize: 40,
    },
    inputName: 'image',
    backend: 'wasm',
  },
];

describe.each(cases)('$name', ({ data, label, spec, inputName, backend }) => {
  it('exports with its fitted preprocessing and matches tfjs within 1e-5 on the held-out rows', async () => {
    const result = await trainModel({ data, label, spec });
    expect(result.backend.name).toBe(backend);
    const exported = exportLayersModel({ model: result.model, preprocessing: result.preprocessing, classes: result.classes! });
    expect(exported.signature.inputs[0]?.name).toBe(inputName);
    expect(exported.signature.labels).toEqual(result.classes);
    const heldOut = result.heldOut!;
    const check = await verifyExport({ model: result.model, exported, input: heldOut.raw, rows: heldOut.count });
    expect(check.dims).toEqual([heldOut.count, result.classes!.length]);
    expect(check.maxAbsError).toBeLessThan(1e-5);
    result.model.dispose();
  });
});
