import { permutationImportance, type FeatureRow } from './permutation-importance.js';
import { createRandom } from './seeded-random.js';

interface Row extends FeatureRow {
  decisive: number;
  useless: number;
  colour: string;
}

function makeRows(n: number): { rows: Row[]; labels: number[] } {
  const random = createRandom('rows');
  const rows = Array.from({ length: n }, () => ({ decisive: random() * 2 - 1, useless: random() * 2 - 1, colour: random() < 0.5 ? 'red' : 'blue' }));
  return { rows, labels: rows.map((row) => (row.decisive > 0 ? 1 : 0)) };
}

// The model leans on `decisive` and a little on `useless`; it ignores `colour`.
const predictClass = async (rows: readonly Row[]): Promise<number[]> => rows.map((row) => (row.decisive + 0.02 * row.useless > 0 ? 1 : 0));

describe('permutationImportance', () => {
  const { rows, labels } = makeRows(400);

  test('a decisive feature matters a lot, a useless one about nothing; sorted by mean drop', async () => {
    const result = await permutationImportance({ task: 'classification', rows, features: ['useless', 'colour', 'decisive'], predict: predictClass, actual: labels, seed: 7, repeats: 4 });
    expect(result.metric).toBe('accuracy');
    expect(result.baseline).toBeGreaterThan(0.97);
    expect(result.features[0]!.feature).toBe('decisive');
    const means = result.features.map((f) => f.mean);
    expect(means).toEqual([...means].sort((a, b) => b - a));
    const [decisive, useless, colour] = ['decisive', 'useless', 'colour'].map((name) => result.features.find((f) => f.feature === name));
    expect(decisive!.mean).toBeGreaterThan(0.4);
    expect(Math.abs(useless!.mean)).toBeLessThan(0.02);
    expect(colour).toEqual({ feature: 'colour', mean: 0, std: 0, drops: [0, 0, 0, 0] });
    expect(decisive!.drops).toHaveLength(4);
    expect(decisive!.std).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  test('same seed, same numbers; another seed, other shuffles; independent of feature order', async () => {
    const run = (seed: number, features: string[]) => permutationImportance({ task: 'classification', rows, features, predict: predictClass, actual: labels, seed, repeats: 3 });
    const first = await run(11, ['decisive', 'useless']);
    expect(await run(11, ['decisive', 'useless'])).toEqual(first);
    const reordered = await run(11, ['useless', 'decisive']);
    expect(reordered.features).toEqual(first.features);
    const other = await run(12, ['decisive', 'useless']);
    expect(other.features[0]!.drops).not.toEqual(first.features[0]!.drops);
  });

  test('regression uses the drop in R²', async () => {
    const random = createRandom('regression');
    const data = Array.from({ length: 300 }, () => ({ a: random(), b: random() }));
    const actual = data.map((row) => 3 * row.a + 0.05 * (random() - 0.5));
    const result = await permutationImportance({
      task: 'regression',
      rows: data,
      features: ['b', 'a'],
      predict: async (rows) => rows.map((row) => 3 * (row.a as number) + 0.001 * (row.b as number)),
      actual,
      seed: 'r',
    });
    expect(result.metric).toBe('r2');
    expect(result.repeats).toBe(5);
    expect(result.baseline).toBeGreaterThan(0.99);
    expect(result.features[0]!.feature).toBe('a');
    expect(result.features[0]!.mean).toBeGreaterThan(1.5);
    expect(Math.abs(result.features[1]!.mean)).toBeLessThan(1e-3);
  });

  test('leaves the caller\'s rows alone, calls predict 1 + features × repeats times, reports progress', async () => {
    const before = JSON.stringify(rows);
    const progress: string[] = [];
    let calls = 0;
    await permutationImportance({
      task: 'classification',
      rows,
      features: ['decisive', 'useless'],
      predict: async (input) => {
        calls++;
        return predictClass(input);
      },
      actual: labels,
      seed: 1,
      repeats: 2,
      onProgress: (done, total) => progress.push(`${done}/${total}`),
    });
    expect(JSON.stringify(rows)).toBe(before);
    expect(calls).toBe(5);
    expect(progress).toEqual(['1/5', '2/5', '3/5', '4/5', '5/5']);
  });

  test('bad options and bad predictions are coded errors', async () => {
    const base = { task: 'classification' as const, rows, predict: predictClass, actual: labels, seed: 1 };
    const error = (pattern: RegExp) => expect.objectContaining({ code: 'MLSHIP_E_EVAL_INPUT', message: expect.stringMatching(pattern) });
    await expect(permutationImportance({ ...base, features: ['nope'] })).rejects.toThrow(error(/no column "nope"/));
    await expect(permutationImportance({ ...base, features: [] })).rejects.toThrow(error(/no features/));
    await expect(permutationImportance({ ...base, features: ['decisive', 'decisive'] })).rejects.toThrow(error(/named twice/));
    await expect(permutationImportance({ ...base, features: ['decisive'], repeats: 0 })).rejects.toThrow(error(/repeats/));
    await expect(permutationImportance({ ...base, features: ['decisive'], actual: [1] })).rejects.toThrow(error(/actual has 1 rows but rows has 400/));
    await expect(permutationImportance({ ...base, features: ['decisive'], predict: async () => [1, 0] })).rejects.toThrow(error(/predictions has 2 rows/));
    await expect(
      permutationImportance({ task: 'regression', rows: [{ a: 1 }, { a: 2 }], features: ['a'], predict: async () => [1, 1], actual: [3, 3], seed: 1 }),
    ).rejects.toThrow(error(/constant/));
  });
});
