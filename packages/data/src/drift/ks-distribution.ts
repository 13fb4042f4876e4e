/**
 * Distribution of the two-sided one-sample Kolmogorov–Smirnov statistic D_n (scipy.stats.kstwo),
 * which ks_2samp's asymptotic method evaluates at n = round(n1·n2 / (n1 + n2)), and the one-sided
 * Smirnov distribution it uses for large deviations (scipy.special.smirnov).
 *
 * The algorithm selection is scipy's (scipy/stats/_ksstats.py, after Simard & L'Ecuyer 2011):
 * Ruben–Gambino closed forms at the ends, Durbin's matrix method as Marsaglia, Tsang & Wang
 * compute it, Pomeranz's recursion, 2·smirnov (exact above 0.5, Miller's approximation below) and
 * the Pelz–Good asymptotic series. scipy carries some of these in long double and smirnov in
 * double-double; here everything is double, with the same scaling done explicitly.
 */

const E128 = 2 ** 128;
const EM128 = 2 ** -128;
const SQRT_TWO_PI = Math.sqrt(2 * Math.PI);
const LOG_TWO_PI = Math.log(2 * Math.PI);
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const MIN_LOG = -708;

/** P(D_n > x), the survival function of scipy.stats.kstwo(n); n a positive integer. */
export function kstwoSf(n: number, x: number): number {
  return kolmogorovSmirnovN(n, x, false);
}

/** P(D_n ≤ x), the CDF of scipy.stats.kstwo(n). */
export function kstwoCdf(n: number, x: number): number {
  return kolmogorovSmirnovN(n, x, true);
}

function select(cdfProb: number, sfProb: number, cdf: boolean): number {
  return clip01(cdf ? cdfProb : sfProb);
}

function clip01(p: number): number {
  return Math.min(Math.max(p, 0), 1);
}

/** scipy's _kolmogn: chooses the method by n and n·x² (Simard & L'Ecuyer, section 4). */
function kolmogorovSmirnovN(n: number, x: number, cdf: boolean): number {
  if (Number.isNaN(n) || Number.isNaN(x) || !Number.isInteger(n) || n <= 0) return Number.NaN;
  if (x >= 1) return select(1, 0, cdf);
  if (x <= 0) return select(0, 1, cdf);
  const t = n * x;
  if (t <= 1) {
    // Ruben–Gambino: P(D_n ≤ x) = n!/n^n (2t − 1)^n for 1/2n ≤ x ≤ 1/n.
    if (t <= 0.5) return select(0, 1, cdf);
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return select(prob, 1 - prob, cdf);
  }
  if (t >= n - 1) {
    const prob = 2 * (1 - x) ** n;
    return select(1 - prob, prob, cdf);
  }
  if (x >= 0.5) {
    const prob = 2 * smirnovSf(n, x);
    return select(1 - prob, prob, cdf);
  }
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) {
      const prob = durbinMatrixCdf(n, x);
      return select(prob, 1 - prob, cdf);
    }
    if (nxSquared <= 4) {
      const prob = pomeranzCdf(n, x);
      return select(prob, 1 - prob, cdf);
    }
    const prob = 2 * smirnovSf(n, x);
    return select(1 - prob, prob, cdf);
  }
  if (!cdf) {
    if (nxSquared >= 370) return 0;
    if (nxSquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  }
  let cdfProb: number;
  if (nxSquared >= 18) cdfProb = 1;
  else if (n <= 100_000 && n * x ** 1.5 <= 1.4) cdfProb = durbinMatrixCdf(n, x);
  else cdfProb = pelzGoodCdf(n, x);
  return select(cdfProb, 1 - cdfProb, cdf);
}

/** log(n! / n^n) by Stirling's series, n*log(n) removed up front. */
function logFactorialOverPower(n: number): number {
  const coefficients = [
    -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
    -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
  ];
  const rn = 1 / n;
  const u = rn / n;
  let poly = 0;
  for (const c of coefficients) poly = poly * u + c;
  return Math.log(n) / 2 - n + LOG_TWO_PI / 2 + rn * poly;
}

/** x·2^exponent without overflowing or underflowing the power of two on its own. */
function scaleByPowerOfTwo(x: number, exponent: number): number {
  let result = x;
  let remaining = exponent;
  while (remaining > 1000) {
    result *= 2 ** 1000;
    remaining -= 1000;
  }
  while (remaining < -1000) {
    result *= 2 ** -1000;
    remaining += 1000;
  }
  return result * 2 ** remaining;
}

/**
 * Durbin's matrix method (Marsaglia, Tsang & Wang 2003): with d = (k − h)/n, P(D_n ≤ d) is
 * n!/n^n times the (k, k) entry of H^n for a (2k−1)×(2k−1) matrix H. Powers are rescaled by 2^128
 * as they grow; the exponent is kept apart.
 */
function durbinMatrixCdf(n: number, d: number): number {
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let factorial = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = factorial;
    factorial /= j;
    v[j - 1] = (1 - h ** j) * factorial;
  }
  v[m - 1] = (1 + (Math.max(2 * h - 1, 0) ** m - 2 * h ** m)) * factorial;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let power: Float64Array = identity(m);
  let exponent = 0;
  let hExponent = 0;
  const centre = (k - 1) * m + (k - 1);
  for (let nn = n; nn > 0; nn = Math.floor(nn / 2)) {
    if (nn % 2 === 1) {
      power = multiply(power, H, m);
      exponent += hExponent;
      if (Math.abs(power[centre]!) > E128) {
        for (let i = 0; i < power.length; i++) power[i]! *= EM128;
        exponent += 128;
      }
    }
    H = multiply(H, H, m);
    hExponent *= 2;
    if (Math.abs(H[centre]!) > E128) {
      for (let i = 0; i < H.length; i++) H[i]! *= EM128;
      hExponent += 128;
    }
  }
  let p = power[centre]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= E128;
      exponent -= 128;
    }
  }
  return scaleByPowerOfTwo(p, exponent);
}

function identity(m: number): Float64Array {
  const result = new Float64Array(m * m);
  for (let i = 0; i < m; i++) result[i * m + i] = 1;
  return result;
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const result = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l]!;
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) result[i * m + j]! += ail * b[l * m + j]!;
    }
  }
  return result;
}

/** Row bounds of Pomeranz's recursion (scipy's _pomeranz_compute_j1j2). */
function pomeranzBounds(i: number, n: number, ll: number, ceilF: number, roundF: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilF - 1;
    j2 = ll + ceilF - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilF - 1;
        j2 = n + ll + ceilF - 1;
      } else {
        j1 = half - 1 - ll - roundF - 1;
        j2 = half + ll - 1 + ceilF - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundF - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/**
 * Pomeranz's recursion (1974): P(D_n ≤ x) = n! · V[2n+1][n], each row of V a convolution of the
 * previous one with Poisson-like weights (g/n)^m/m!, (2g/n)^m/m! or ((1−2g)/n)^m/m!.
 */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilF = f > 0 ? 1 : 0;
  const roundF = f > 0.5 ? 1 : 0;
  const powers = 2 * (ll + 1);
  const gPower = new Float64Array(powers);
  const twoGPower = new Float64Array(powers);
  const oneMinusTwoGPower = new Float64Array(powers);
  gPower[0] = 1;
  twoGPower[0] = 1;
  oneMinusTwoGPower[0] = 1;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < powers; m++) {
    gPower[m] = (gPower[m - 1]! * gOverN) / m;
    twoGPower[m] = (twoGPower[m - 1]! * twoGOverN) / m;
    oneMinusTwoGPower[m] = (oneMinusTwoGPower[m - 1]! * oneMinusTwoGOverN) / m;
  }
  let previous = new Float64Array(powers);
  let current = new Float64Array(powers);
  current[0] = 1;
  let previousStart = 0;
  let currentStart = 0;
  let exponent = 0;
  let [j1] = pomeranzBounds(0, n, ll, ceilF, roundF);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [previous, current] = [current, previous];
    [previousStart, currentStart] = [currentStart, previousStart];
    current.fill(0);
    const bounds = pomeranzBounds(i, n, ll, ceilF, roundF);
    j1 = bounds[0];
    const j2 = bounds[1];
    const weights = i === 1 || i === 2 * n + 1 ? gPower : i % 2 === 1 ? twoGPower : oneMinusTwoGPower;
    const length = j2 - k1 + 1;
    if (length > 0) {
      const offset = k1 - previousStart;
      const from = j1 - k1;
      const count = j2 - j1 + 1;
      let largest = 0;
      for (let r = 0; r < count; r++) {
        // Full convolution entry (from + r) of previous[offset …] with weights[0 … length).
        const index = from + r;
        let sum = 0;
        for (let q = Math.max(0, index - length + 1); q <= Math.min(index, length - 1); q++) {
          sum += (previous[offset + q] ?? 0) * weights[index - q]!;
        }
        current[r] = sum;
        largest = Math.max(largest, sum);
      }
      if (largest > 0 && largest < EM128) {
        for (let r = 0; r < count; r++) current[r]! *= E128;
        exponent -= 128;
      }
      currentStart = previousStart + j1 - k1;
    }
  }
  let answer = current[n - currentStart]!;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(answer) > E128) {
      answer *= EM128;
      exponent += 128;
    }
    answer *= m;
  }
  return scaleByPowerOfTwo(answer, exponent);
}

/**
 * Pelz–Good (1976) asymptotic series for P(D_n ≤ x): the Li-Chien/Korolyuk expansion
 * K0 + K1/√n + K2/n + K3/n^1.5 in z = x√n, transformed with Jacobi theta identities for small z.
 */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qLog = -PI2 / 8 / z2;
  if (qLog < MIN_LOG) return 0;
  let q = Math.exp(qLog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  // Horner scheme for Σ c_k q^(m²) over odd m = 2k − 1.
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qPower = q ** (8 * k);
    const coefficients = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qPower + coefficients[i]!;
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT_TWO_PI) / divisors[i]!;
  // The sums over all integers k of K2 and K3.
  q = Math.exp(-PI2 / 2 / z2);
  let k2Extra = 0;
  let k3Extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxK; k > 0; k--) {
    const k2 = k * k;
    const qk = q ** k2;
    const kPi = Math.PI * k;
    k2Extra += k2 * qk;
    k3Extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qk;
  }
  K[2] = K[2]! + (k2Extra * PI2 * SQRT_TWO_PI) / (-36 * z3);
  K[3] = K[3]! + (k3Extra * PI2 * SQRT_TWO_PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}

const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
const CEPHES_MIN_LOG = -708.3964185322641;

/**
 * P(D_n⁺ > x), the one-sided Smirnov survival function (scipy.special.smirnov), by the
 * Birnbaum–Tingey sum x · Σ_{v=0}^{⌊n(1−x)⌋} C(n, v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v).
 * Terms are positive and formed in log space from n·x split exactly into integer and fraction;
 * relative error grows like n·ε (1e-13 at n = 1,000, 1e-10 at n = 10^6). Above n = 10^6, the approximation
 * exp(−(6nx + 1)² / 18n) as in scipy.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(Number.isInteger(n) && n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const [nxFloor, alpha] = floorAndFractionOfProduct(n, x);
  if (nxFloor === 0 || (nxFloor === 1 && alpha === 0)) {
    // x ≤ 1/n: only the v = 0 term of the complementary sum survives.
    return 1 - x * Math.exp((n - 1) * Math.log1p(x));
  }
  if (-2 * n * x * x < CEPHES_MIN_LOG) return 0;
  if (nxFloor >= n - 1) return Math.exp(n * Math.log1p(-x));
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logP = -((6 * n * x + 1) ** 2) / 18 / n;
    return logP < -Math.LN2 ? Math.exp(logP) : 1 + Math.expm1(logP);
  }
  const terms = n - nxFloor;
  const logX = Math.log(x);
  // log C(n, v) grows to ~n: summed with Kahan's compensation, else its rounding dominates.
  let logBinomial = 0;
  let compensation = 0;
  let sum = 0;
  for (let v = 0; v < terms; v++) {
    const below = (n - v - nxFloor - alpha) / n; // 1 − x − v/n
    const above = (v + nxFloor + alpha) / n; // x + v/n
    const term = Math.exp(logX + logBinomial + (n - v) * Math.log(below) + (v - 1) * Math.log(above));
    sum += term;
    if (term !== 0 ? 4 * (terms - v) * term < Number.EPSILON * sum && v !== terms - 1 : v > n / 2) break;
    const increment = Math.log((n - v) / (v + 1)) - compensation;
    const next = logBinomial + increment;
    compensation = next - logBinomial - increment;
    logBinomial = next;
  }
  return clip01(sum);
}

/** ⌊n·x⌋ and n·x − ⌊n·x⌋ from the exact product (Dekker's two-product), for 0 < x < 1. */
function floorAndFractionOfProduct(n: number, x: number): [number, number] {
  const product = n * x;
  const error = twoProductError(n, x, product);
  let floor = Math.floor(product);
  let fraction = product - floor + error;
  if (fraction < 0) {
    floor -= 1;
    fraction += 1;
  } else if (fraction >= 1) {
    floor += 1;
    fraction -= 1;
  }
  return [floor, fraction];
}

const SPLITTER = 134217729; // 2^27 + 1

function twoProductError(a: number, b: number, product: number): number {
  const ca = SPLITTER * a;
  const aHigh = ca - (ca - a);
  const aLow = a - aHigh;
  const cb = SPLITTER * b;
  const bHigh = cb - (cb - b);
  const bLow = b - bHigh;
  return aLow * bLow - (((product - aHigh * bHigh) - aLow * bHigh) - aHigh * bLow);
}
