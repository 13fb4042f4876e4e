/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as scipy.stats.ks_2samp (scipy 1.17) computes it.
 *
 * Statistic: D = max |F_ref(x) − F_cur(x)| over the values of both samples, the CDFs being weight
 * sums over totals, so raw samples (weights 1) give scipy's numbers bit for bit and summaries
 * (sketch centroids, histogram bins) give the statistic of their step CDFs.
 *
 * p-value, method 'auto' (scipy's default): exact when both sizes are at most 10,000, else
 * asymptotic. Exact: D is rounded to h / lcm(n1, n2) and P(D ≥ h/lcm) counted over lattice paths
 * (Hodges 1958; the 1 − p recursion of Viehmann 2021, scipy's _compute_outer_prob_inside_method;
 * for n1 = n2 the alternating binomial sum of _compute_prob_outside_square). Asymptotic:
 * kstwo.sf(D, round(n1·n2 / (n1 + n2))), see ks-distribution.ts. The exact method needs whole
 * sample sizes: with fractional total weights 'auto' and 'exact' use the asymptotic method.
 */
import { kstwoSf } from './ks-distribution.js';
import { toStepDistribution, type NumericSample, type StepDistribution } from './numeric-sample.js';

export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsTestResult {
  /** D; with the exact method, rounded to a multiple of 1 / lcm(n1, n2) as scipy returns it. */
  statistic: number;
  pValue: number;
  /** The method that produced the p-value. */
  method: 'exact' | 'asymp';
}

/** scipy's MAX_AUTO_N: 'auto' is exact up to this many values on the larger side. */
export const KS_EXACT_MAX_N = 10_000;
const INT32_MAX = 2 ** 31 - 1;

/** Two-sided two-sample KS test. Both samples must be non-empty (RangeError otherwise). */
export function ksTwoSample(reference: NumericSample, current: NumericSample, options: { method?: KsMethod } = {}): KsTestResult {
  const a = toStepDistribution(reference);
  const b = toStepDistribution(current);
  if (a.total === 0 || b.total === 0) throw new RangeError('the KS test needs two non-empty samples');
  return ksPValue(ksStatistic(a, b), a.total, b.total, options.method ?? 'auto');
}

/** max |F_a − F_b| over the union of the support points. */
export function ksStatistic(a: StepDistribution, b: StepDistribution): number {
  let i = 0;
  let j = 0;
  let largest = 0;
  let smallest = 0;
  while (i < a.values.length || j < b.values.length) {
    const x = Math.min(a.values[i] ?? Infinity, b.values[j] ?? Infinity);
    while (i < a.values.length && a.values[i] === x) i++;
    while (j < b.values.length && b.values[j] === x) j++;
    const difference = (i === 0 ? 0 : a.cumulative[i - 1]!) / a.total - (j === 0 ? 0 : b.cumulative[j - 1]!) / b.total;
    largest = Math.max(largest, difference);
    smallest = Math.min(smallest, difference);
  }
  const minS = Math.min(-smallest, 1);
  return minS > largest ? minS : largest;
}

/** p-value of an observed D between samples of sizes (total weights) n1 and n2. */
export function ksPValue(statistic: number, n1: number, n2: number, method: KsMethod = 'auto'): KsTestResult {
  let d = statistic;
  const whole = Number.isInteger(n1) && Number.isInteger(n2);
  let exact = whole && (method === 'exact' || (method === 'auto' && Math.max(n1, n2) <= KS_EXACT_MAX_N));
  if (exact && method === 'exact') {
    const g = gcd(n1, n2);
    if (n1 / g >= INT32_MAX / (n2 / g)) exact = false;
  }
  if (exact) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, method: 'exact' };
    const p = n1 === n2 ? probabilityOutsideSquare(n1, h) : probabilityOutsideBand(n1, n2, g, h);
    if (p >= 0 && p <= 1) return { statistic: d, pValue: p, method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const effective = Math.max(1, roundHalfEven((m * n) / (m + n)));
  const p = kstwoSf(effective, d);
  return { statistic: d, pValue: Math.min(Math.max(p, 0), 1), method: 'asymp' };
}

/**
 * P(D_{n,n} ≥ h/n) = 2 Σ_{k≥1} (−1)^(k+1) C(2n, n − kh) / C(2n, n), evaluated as
 * 2·A1(1 − A2(1 − A3(…))) to avoid cancellation (scipy's _compute_prob_outside_square).
 */
function probabilityOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = ((n - k * h - j) * ratio) / (n + k * h + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * Share of monotone lattice paths from (0, 0) to (m, n) that leave the band |x/m − y/n| < h/lcm,
 * one column at a time over a sliding window of the band; each cell holds 1 − (share of paths
 * staying inside), which keeps the values in [0, 1] (scipy's _compute_outer_prob_inside_method).
 */
function probabilityOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  let minJ = 0;
  let maxJ = Math.min(Math.ceil(h / mg), n + 1);
  let currentLength = maxJ - minJ;
  const length = Math.min(2 * maxJ + 2, n + 1);
  const A = new Float64Array(length).fill(1);
  A.fill(0, minJ, maxJ);
  for (let i = 1; i <= m; i++) {
    const lastMinJ = minJ;
    const lastLength = currentLength;
    minJ = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxJ = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxJ <= minJ) return 1;
    let value = minJ === 0 ? 0 : 1;
    for (let jj = 0; jj < maxJ - minJ; jj++) {
      const j = jj + minJ;
      value = ((A[jj + minJ - lastMinJ] ?? 1) * i + value * j) / (i + j);
      A[jj] = value;
    }
    currentLength = maxJ - minJ;
    if (lastLength > currentLength) A.fill(1, maxJ - minJ, maxJ - minJ + (lastLength - currentLength));
  }
  return A[maxJ - minJ - 1]!;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** numpy's round: half to even. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
