/**
 * The model card against committed renderings in test/evaluate-golden/ (model-card*.md and .json).
 * After an intended change of the card, rewrite them with
 *   UPDATE_GOLDEN=1 pnpm test -- packages/train/src/evaluate/model-card
 * and review the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateClassification } from './classification-metrics.js';
import { formatFixed } from './format-number.js';
import { evaluateGates } from './gate-evaluate.js';
import { planGates } from './gate-plan.js';
import { evaluateGroups } from './group-metrics.js';
import { buildModelCard, MODEL_CARD_SCHEMA, renderModelCardJson, sortKeysDeep, type ModelCardFacts } from './model-card.js';
import { escapeCell, INTENDED_USE_PLACEHOLDER, LIMITATIONS_PLACEHOLDER, renderModelCardMarkdown } from './model-card-markdown.js';
import { evaluateRegression } from './regression-metrics.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'evaluate-golden');

function expectGolden(name: string, text: string): void {
  const path = join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

const classes = ['setosa', 'versicolor', 'virginica | odd'];
const input = {
  task: 'classification' as const,
  classes,
  actual: [0, 0, 0, 1, 1, 1, 2, 2, 2, 2],
  probabilities: [
    [0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.1, 0.7, 0.2], [0.2, 0.5, 0.3],
    [0.1, 0.3, 0.6], [0.05, 0.15, 0.8], [0.1, 0.2, 0.7], [0.2, 0.5, 0.3], [0.0, 0.1, 0.9],
  ],
};
const metrics = evaluateClassification(input);
const groups = evaluateGroups(input, { column: 'site', values: ['lab', 'lab', 'field', 'lab', 'field', 'lab', 'field', 'lab', 'field', null], minSupport: 2 });
const gates = evaluateGates(planGates(['accuracy>=0.7', 'f1_macro>0.9', 'group_gap.accuracy<=0.5', 'per_class.setosa.recall>=0.5']), metrics, {
  groups,
  baseline: { ref: 'models/iris@production', metrics: { ...metrics, accuracy: 0.85 }, maxRegression: 0.05 },
});

const facts: ModelCardFacts = {
  model: { name: 'iris', version: 3, ref: 'models/iris:3', digest: 'sha256:0f3c', created: '2025-03-01T12:00:00.000Z' },
  task: 'classification',
  label: 'species',
  features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
  dataset: { ref: 'datasets/iris:1', digest: 'sha256:77aa', evaluation: 'held-out split, 20%, stratified, seed 42' },
  metrics,
  columns: [
    { column: 'sepal_length', use: 'feature', type: 'numeric', reason: 'every value is a number; 2 missing values: filled with 5.8' },
    { column: 'picked', use: 'derived', type: 'datetime', reason: 'every value is an ISO 8601 date: numeric days, month (UTC)', features: ['picked.days', 'picked.month'] },
    { column: 'plant_id', use: 'excluded', type: 'id', reason: 'a different value in every one of its 150 rows: an id | not a feature' },
  ],
  split: { rows: 152, withoutLabel: 2, missingFeature: 0, unseenClass: 0, train: 90, validation: 30, test: 30, metricsFrom: 'test' },
  crossValidation: { folds: 5, rows: 120, metrics: { accuracy: { mean: 0.95, std: 0.0316 }, f1_macro: { mean: 0.9498, std: 0.032 }, log_loss: { mean: null, std: null } } },
  groups: [groups],
  importance: {
    metric: 'accuracy',
    baseline: 0.8,
    repeats: 5,
    seed: 42,
    features: [
      { feature: 'petal_width', mean: 0.31, std: 0.04, drops: [0.3, 0.35, 0.25, 0.3, 0.35] },
      { feature: 'petal_length', mean: 0.2, std: 0.0632455532, drops: [0.1, 0.2, 0.3, 0.2, 0.2] },
      { feature: 'sepal_width', mean: -0.00000001, std: 0, drops: [0, 0, 0, 0, -0.00000005] },
    ],
  },
  gates,
  training: { seed: 42, epochs: 50, optimizer: { name: 'adam', learningRate: 0.01 }, batchSize: 16, validation: undefined, classWeights: null },
  environment: { node: 'v20.20.2', tfjs: '4.22.0', backend: 'wasm', platform: 'linux-x64', git: { commit: 'abc123', dirty: false } },
  intendedUse: 'Teaching: classify iris flowers from four measurements.',
};

describe('buildModelCard', () => {
  test('every key is present; absent facts are null or empty', () => {
    const card = buildModelCard({ model: { name: 'm' }, task: 'regression', metrics: evaluateRegression({ actual: [1, 2], predicted: [1, 3] }) });
    expect(card).toEqual({
      schema: MODEL_CARD_SCHEMA,
      model: { name: 'm', version: null, ref: null, digest: null, created: null },
      task: 'regression',
      label: null,
      features: [],
      classes: null,
      dataset: null,
      metrics: expect.objectContaining({ task: 'regression', mae: 0.5 }),
      columns: [],
      split: null,
      crossValidation: null,
      groups: [],
      importance: null,
      gates: null,
      training: {},
      environment: {},
      intendedUse: null,
      limitations: null,
    });
  });

  test('free-form records are sorted at every depth; non-JSON values become null', () => {
    expect(sortKeysDeep({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: Infinity }, e: undefined, f: 10n, g: new Date(0) })).toEqual({
      a: { c: null, d: [3, { y: 2, z: 1 }] },
      b: 1,
      e: null,
      f: '10',
      g: '1970-01-01T00:00:00.000Z',
    });
    const card = buildModelCard(facts);
    expect(Object.keys(card.training)).toEqual(['batchSize', 'classWeights', 'epochs', 'optimizer', 'seed', 'validation']);
  });

  test('the same facts, in any key order, give the same bytes', () => {
    const reordered: ModelCardFacts = { ...facts, training: Object.fromEntries(Object.entries(facts.training!).reverse()), environment: Object.fromEntries(Object.entries(facts.environment!).reverse()) };
    expect(renderModelCardJson(buildModelCard(reordered))).toBe(renderModelCardJson(buildModelCard(facts)));
    expect(renderModelCardMarkdown(buildModelCard(reordered))).toBe(renderModelCardMarkdown(buildModelCard(facts)));
  });

  test('JSON and Markdown of a full card match the committed renderings', () => {
    const card = buildModelCard(facts);
    expectGolden('model-card.json', renderModelCardJson(card));
    expectGolden('model-card.md', renderModelCardMarkdown(card));
  });

  test('a minimal regression card prints placeholders for what the user has to fill in', () => {
    const card = buildModelCard({ model: { name: 'prices' }, task: 'regression', metrics: evaluateRegression({ actual: [1, 2, 3], predicted: [1.1, 1.9, 3.3] }) });
    const markdown = renderModelCardMarkdown(card);
    expect(markdown).toContain(INTENDED_USE_PLACEHOLDER);
    expect(markdown).toContain(LIMITATIONS_PLACEHOLDER);
    expectGolden('model-card-minimal.md', markdown);
  });
});

describe('formatting', () => {
  test('fixed decimals, no negative zero, n/a for null', () => {
    expect(formatFixed(0.123456)).toBe('0.1235');
    expect(formatFixed(-0.00001)).toBe('0.0000');
    expect(formatFixed(-0)).toBe('0.0000');
    expect(formatFixed(-1.5)).toBe('-1.5000');
    expect(formatFixed(null)).toBe('n/a');
    expect(formatFixed(NaN)).toBe('n/a');
    expect(formatFixed(2, 0)).toBe('2');
  });

  test('table cells escape Markdown', () => {
    expect(escapeCell('a|b *c* _d_ sepal_length <x>\nnext')).toBe('a\\|b \\*c\\* \\_d\\_ sepal_length \\<x\\> next');
  });
});
