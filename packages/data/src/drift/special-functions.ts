/**
 * Special functions behind the drift p-values, in double precision with relative error around
 * 1e-14 over the ranges the tests use (checked against scipy in drift.golden.test.ts):
 * log Γ, the regularised upper incomplete gamma function Q(a, x), and from it the chi-squared and
 * standard normal survival functions.
 */

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** Lanczos coefficients, g = 7, n = 9 (Godfrey): about 1e-15 relative for Γ on [0.5, 10]. */
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(a) for a > 0: Lanczos below 10, Stirling's series above. */
export function logGamma(a: number): number {
  if (!(a > 0)) return Number.NaN;
  if (a < 0.5) return logGamma(a + 1) - Math.log(a);
  if (a >= 10) return (a - 0.5) * Math.log(a) - a + HALF_LOG_TWO_PI + stirlingCorrection(a);
  const z = a - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** log Γ(a) − [(a − ½) log a − a + ½ log 2π], the tail of Stirling's series; for a ≥ 10. */
function stirlingCorrection(a: number): number {
  const r = 1 / a;
  const r2 = r * r;
  // Bernoulli terms B_2k / (2k (2k − 1) a^(2k−1)), k = 1..7; the next is below 1e-17 at a = 10.
  return r * (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 / 156))))));
}

/** log(1 + t) − t without cancellation near 0 (series in s = t / (2 + t) for |t| < 0.5). */
export function log1pMinusX(t: number): number {
  if (Math.abs(t) >= 0.5) return Math.log1p(t) - t;
  // log(1 + t) = 2 atanh(s) = 2 (s + s³/3 + s⁵/5 + …) and 2s − t = −t·s.
  const s = t / (2 + t);
  const s2 = s * s;
  let power = s * s2;
  let tail = 0;
  for (let k = 3; ; k += 2) {
    const term = power / k;
    tail += term;
    if (Math.abs(term) <= Math.abs(tail) * 1e-17) break;
    power *= s2;
  }
  return -t * s + 2 * tail;
}

/** log(x^a e^−x / Γ(a)), the factor in front of both expansions of the incomplete gamma function. */
function logGammaPrefactor(a: number, x: number): number {
  if (a < 10) return a * Math.log(x) - x - logGamma(a);
  // With Stirling's series the large terms cancel analytically: a·(log(1 + t) − t), t = (x − a)/a.
  return a * log1pMinusX((x - a) / a) + 0.5 * Math.log(a / (2 * Math.PI)) - stirlingCorrection(a);
}

const MAX_ITERATIONS = 100_000;
const EPSILON = 1e-16;
const TINY = 1e-300;

/**
 * Regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), a > 0, x ≥ 0
 * (scipy.special.gammaincc). Below x = a + 1 as 1 − P(a, x) from P's power series (Q is not small
 * there), above by Legendre's continued fraction evaluated with the modified Lentz method.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const logPrefactor = logGammaPrefactor(a, x);
  if (x < a + 1) {
    // P(a, x) = prefactor · Σ x^n / (a (a+1) … (a+n)).
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (term < sum * EPSILON) break;
    }
    return 1 - Math.exp(logPrefactor) * sum;
  }
  // Q(a, x) = prefactor / (x + 1 − a − 1(1 − a) / (x + 3 − a − 2(2 − a) / (x + 5 − a − …))).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.exp(logPrefactor) * h;
}

/** Survival function of the chi-squared distribution, P(X > x) with df > 0 (scipy.special.chdtrc). */
export function chiSquaredSf(x: number, df: number): number {
  if (!(df > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

/** Complementary error function, erfc(x) = Q(½, x²) for x ≥ 0. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const q = regularizedGammaQ(0.5, x * x);
  return x >= 0 ? q : 2 - q;
}

/** Survival function of the standard normal distribution, P(Z > z) (scipy.stats.norm.sf). */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const q = 0.5 * regularizedGammaQ(0.5, (z * z) / 2);
  return z >= 0 ? q : 1 - q;
}
