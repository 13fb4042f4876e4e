/**
 * Checks every statistic against numpy/scipy values in test/golden/drift-golden.json, made by
 * test/golden/make-drift-golden.py. Tolerance: 1e-9 relative, or 1e-12 absolute for tiny values.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { columnDrift } from './column-drift.js';
import { chiSquareGoodnessOfFit } from './chi-squared.js';
import { histogramCounts, sturgesBinEdges } from './histogram.js';
import { jensenShannonDistance } from './jensen-shannon.js';
import { kstwoSf, smirnovSf } from './ks-distribution.js';
import { ksTwoSample } from './ks-test.js';
import type { WeightedSample } from './numeric-sample.js';
import { chiSquaredSf, erfc, logGamma, normalSf } from './special-functions.js';
import { populationStdDev, wassersteinDistance } from './wasserstein.js';
import type { DriftMethod } from './drift-plan.js';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
interface Golden {
  special: Record<'gammaln' | 'norm_sf' | 'erfc', Array<[number, Num]>> & Record<'chi2_sf' | 'kstwo_sf' | 'smirnov', Array<[number, number, Num]>>;
  ks: Array<{ name: string; reference: WeightedSample; current: WeightedSample; statistic: Num; pvalue: Num; method: 'exact' | 'asymp' }>;
  wasserstein: Array<{ name: string; u: WeightedSample; v: WeightedSample; distance: Num }>;
  std: Array<{ name: string; sample: WeightedSample; std: Num }>;
  chisquare: Array<{ name: string; observed: number[]; expected: number[]; statistic: Num; pvalue: Num }>;
  jensenshannon: Array<{ name: string; p: number[]; q: number[]; distance: Num; distance_base2: Num }>;
  sturges: Array<{ name: string; sample: WeightedSample; integerValued: boolean; edges: number[]; counts: number[] }>;
  columns: Array<{
    name: string;
    kind: 'numeric' | 'categorical';
    options: { method?: DriftMethod; threshold?: number; integerValued?: boolean };
    reference: WeightedSample | Array<[string | number, number]>;
    current: WeightedSample | Array<[string | number, number]>;
    method: DriftMethod;
    threshold: number;
    score: Num;
    drifted: boolean;
    psi: Num;
  }>;
}

const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'golden', 'drift-golden.json');
const golden = JSON.parse(readFileSync(file, 'utf8')) as Golden;

function num(value: Num): number {
  return typeof value === 'number' ? value : Number(value);
}

/** Relative 1e-9, or absolute `absolute` where the expected value is tiny. */
function expectClose(actual: number, expectedValue: Num, absolute = 1e-12, relative = 1e-9): void {
  const expected = num(expectedValue);
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  const error = Math.abs(actual - expected);
  if (error > absolute && error > relative * Math.abs(expected)) {
    throw new Error(`expected ${expected}, got ${actual} (relative error ${error / Math.abs(expected)})`);
  }
}

describe('special functions against scipy.special', () => {
  test.each(golden.special.gammaln)('gammaln(%p)', (a, expected) => expectClose(logGamma(a), expected, 1e-14));
  test.each(golden.special.chi2_sf)('chi2.sf(%p, df=%p)', (x, df, expected) => expectClose(chiSquaredSf(x, df), expected, 1e-300, 1e-10));
  test.each(golden.special.norm_sf)('norm.sf(%p)', (z, expected) => expectClose(normalSf(z), expected, 1e-300, 1e-10));
  test.each(golden.special.erfc)('erfc(%p)', (x, expected) => expectClose(erfc(x), expected, 1e-300, 1e-10));
  test.each(golden.special.kstwo_sf)('kstwo.sf(x, n=%p) at x=%p', (n, x, expected) => expectClose(kstwoSf(n, x), expected, 1e-14, 1e-9));
  test.each(golden.special.smirnov)('smirnov(%p, %p)', (n, x, expected) => expectClose(smirnovSf(n, x), expected, 1e-300, 1e-10));
});

describe('statistics against scipy.stats', () => {
  test.each(golden.ks.map((c) => [c.name, c] as const))('ks_2samp: %s', (_, c) => {
    const result = ksTwoSample(c.reference, c.current);
    expect(result.method).toBe(c.method);
    expectClose(result.statistic, c.statistic, 0, 1e-15);
    expectClose(result.pValue, c.pvalue, 1e-14);
  });

  test.each(golden.wasserstein.map((c) => [c.name, c] as const))('wasserstein_distance: %s', (_, c) => {
    expectClose(wassersteinDistance(c.u, c.v), c.distance);
  });

  test.each(golden.std.map((c) => [c.name, c] as const))('np.std: %s', (_, c) => {
    expectClose(populationStdDev(c.sample.weights === undefined ? c.sample.values : c.sample), c.std);
  });

  test.each(golden.chisquare.map((c) => [c.name, c] as const))('chisquare: %s', (_, c) => {
    const result = chiSquareGoodnessOfFit(c.observed, c.expected);
    expectClose(result.statistic, c.statistic);
    expectClose(result.pValue, c.pvalue, 1e-14);
  });

  test.each(golden.jensenshannon.map((c) => [c.name, c] as const))('jensenshannon: %s', (_, c) => {
    expectClose(jensenShannonDistance(c.p, c.q), c.distance);
    expectClose(jensenShannonDistance(c.p, c.q, 2), c.distance_base2);
  });

  test.each(golden.sturges.map((c) => [c.name, c] as const))('histogram_bin_edges(sturges) and histogram: %s', (_, c) => {
    const values = c.sample.values;
    const total = (c.sample.weights ?? []).reduce((a, b) => a + b, 0);
    const edges = sturgesBinEdges(values[0]!, values[values.length - 1]!, total, { integerValued: c.integerValued });
    expect(edges).toEqual(c.edges);
    expect(histogramCounts(c.sample, edges)).toEqual(c.counts);
  });
});

describe("columns against Evidently's default drift tests", () => {
  test.each(golden.columns.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const common = { method: c.options.method, threshold: c.options.threshold };
    const result =
      c.kind === 'numeric'
        ? columnDrift({ kind: 'numeric', reference: c.reference as WeightedSample, current: c.current as WeightedSample, integerValued: c.options.integerValued, ...common })
        : columnDrift({ kind: 'categorical', reference: c.reference as Array<[string, number]>, current: c.current as Array<[string, number]>, ...common });
    expect(result.method).toBe(c.method);
    expect(result.threshold).toBe(c.threshold);
    expectClose(result.score!, c.score, 1e-14);
    expect(result.drifted).toBe(c.drifted);
    expectClose(result.psi!, c.psi);
  });
});
