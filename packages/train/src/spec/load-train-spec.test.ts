import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateWithSchema } from '@mlship/core';
import { parse } from 'yaml';
import { loadTrainSpec, parseTrainSpec, requireTrainSpec } from './load-train-spec.js';
import { trainSpecJsonSchema } from './train-spec-json-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const EXAMPLES = ['examples/iris/train.yaml', 'examples/digits/train.yaml', 'examples/digits/train-cnn.yaml'];

describe('the train spec schema', () => {
  it('is committed as packages/train/schemas/train-spec.schema.json (regenerate from train-spec-json-schema.ts)', async () => {
    const file = join(root, 'packages', 'train', 'schemas', 'train-spec.schema.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(trainSpecJsonSchema);
  });

  it.each(EXAMPLES)('accepts the example %s, with no errors or warnings', async (path) => {
    const text = await readFile(join(root, path), 'utf8');
    expect(validateWithSchema(trainSpecJsonSchema, parse(text)).errors).toEqual([]);
    const loaded = await loadTrainSpec(join(root, path));
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.value?.label).toBeDefined();
  });
});

describe('parseTrainSpec', () => {
  it('reads YAML and JSON to the same spec', () => {
    const yaml = parseTrainSpec('label: y\nmodel:\n  mlp: [8, 4]\n  dropout: 0.1\noptimizer: sgd\nclassWeights: balanced\n');
    const json = parseTrainSpec(JSON.stringify({ label: 'y', model: { mlp: [8, 4], dropout: 0.1 }, optimizer: 'sgd', classWeights: 'balanced' }));
    expect(yaml).toEqual({ value: { label: 'y', model: { mlp: [8, 4], dropout: 0.1 }, optimizer: 'sgd', classWeights: 'balanced' }, errors: [], warnings: [] });
    expect(json).toEqual(yaml);
  });

  it('accepts every layer kind', () => {
    const layers = [
      { type: 'Reshape', targetShape: [2, 2, 1] },
      { type: 'Conv2D', filters: 2, kernelSize: [2, 2], strides: 1, padding: 'same', activation: 'relu' },
      { type: 'BatchNormalization', momentum: 0.9 },
      { type: 'MaxPooling2D', poolSize: 2 },
      { type: 'AveragePooling2D', poolSize: 1, padding: 'valid' },
      { type: 'Flatten' },
      { type: 'Dense', units: 4, activation: 'tanh', useBias: false },
      { type: 'Activation', activation: 'gelu' },
      { type: 'LeakyReLU', alpha: 0.1 },
      { type: 'Dropout', rate: 0.5 },
    ];
    expect(parseTrainSpec(JSON.stringify({ label: 'y', model: { layers } })).errors).toEqual([]);
  });

  it('reports schema errors by path, without the noise of alternative branches', () => {
    const result = parseTrainSpec(
      [
        'label: y',
        'colour: red',
        'model: { layers: [{ type: Dense }, { type: Conv2D, filters: 2, kernelSize: 3, units: 4 }, { type: Dense2 }] }',
        'optimizer: { name: adam, lr: 0.1 }',
        'validation: { split: 1.5 }',
        'earlyStopping: { monitor: acc }',
        'classWeights: { a: -1 }',
      ].join('\n'),
    );
    expect(result.value).toBeUndefined();
    expect(result.errors).toEqual([
      '(root): unknown property "colour"',
      "/model/layers/0: must have required property 'units'",
      '/model/layers/1: unknown property "units"',
      '/model/layers/2/type: must be equal to one of the allowed values',
      '/optimizer: unknown property "lr"',
      '/validation/split: must be < 1',
      '/earlyStopping/monitor: must match pattern "^(val_)?(loss|accuracy|mae)$"',
      '/classWeights/a: must be >= 0',
    ]);
  });

  it('checks rules across fields', () => {
    const errors = (text: string) => parseTrainSpec(text).errors;
    expect(errors('label: y\nfeatures: [a, y]')).toEqual(['/features: the label "y" cannot also be a feature']);
    expect(errors('task: regression\nloss: categoricalCrossentropy')).toEqual(['/loss: categoricalCrossentropy is a classification loss, but the task is regression']);
    expect(errors('loss: meanSquaredError\nclassWeights: balanced')).toEqual(['/classWeights: only for classification']);
    expect(errors('validation: { split: 0 }\nearlyStopping: { monitor: val_loss }')).toEqual(['/earlyStopping/monitor: val_loss needs a validation split or validation data']);
    expect(errors('task: regression\nearlyStopping: { monitor: val_accuracy }')).toEqual(['/earlyStopping/monitor: val_accuracy is not tracked for regression']);
    expect(errors('validation: { data: v.csv, split: 0.1 }')).toEqual(['/validation/split: does not apply with validation data']);
    expect(errors('model: { mlp: [4], layers: [] }')).toEqual(['/model: give either mlp or layers']);
    expect(errors('model: { layers: [], dropout: 0.1 }')).toEqual(['/model/dropout: applies to mlp only']);
    expect(errors('model: { layers: [{ type: Conv2D, filters: 1, kernelSize: 1 }] }')).toEqual([
      '/model/layers/0: Conv2D needs image input: set preprocessing.image or add a Reshape before it',
    ]);
    expect(errors('preprocessing: { columns: { a: { type: numeric, encoding: index } } }')).toEqual(['/preprocessing/columns/a: encoding does not apply to a numeric column']);
  });

  it('warns about settings it ignores', () => {
    const result = parseTrainSpec('label: y\nfeatures: [a]\nexclude: [b]\ntask: regression\nvalidation: { stratify: true }');
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual(['/exclude: ignored because features lists the columns', '/validation/stratify: ignored for regression']);
    expect(result.value).toBeDefined();
  });

  it('reports YAML that does not parse, duplicate keys and empty files', () => {
    expect(parseTrainSpec('label: [a').errors[0]).toMatch(/^YAML does not parse/);
    expect(parseTrainSpec('label: a\nlabel: b').errors[0]).toMatch(/^YAML does not parse: Map keys must be unique/);
    expect(parseTrainSpec('').errors).toEqual(['the spec is empty']);
    expect(parseTrainSpec('- a').errors).toEqual(['(root): must be object']);
  });
});

describe('loadTrainSpec and requireTrainSpec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlship-train-spec-'));

  it('resolves a relative validation table against the spec folder', async () => {
    const path = join(dir, 'spec.yaml');
    writeFileSync(path, 'label: y\nvalidation: { data: data/valid.csv }\n');
    expect((await loadTrainSpec(path)).value?.validation).toEqual({ data: join(dir, 'data', 'valid.csv') });
  });

  it('throws a coded error for a missing file, and MLSHIP_E_TRAIN_SPEC (exit 2) for an invalid spec', async () => {
    await expect(loadTrainSpec(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'MLSHIP_E_FILE_NOT_FOUND', exitCode: 2 });
    const invalid = parseTrainSpec('epochs: 0');
    expect(() => requireTrainSpec(invalid, 'train.yaml')).toThrow(
      expect.objectContaining({ code: 'MLSHIP_E_TRAIN_SPEC', exitCode: 2, message: 'train spec train.yaml is not valid: /epochs: must be >= 1' }),
    );
    expect(requireTrainSpec(parseTrainSpec('epochs: 3'), 'x')).toEqual({ epochs: 3 });
  });
});
