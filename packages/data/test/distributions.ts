/** Seeded data generators for the profile tests: reproducible, no fixtures on disk. */
import { createRandom } from '../src/profile/random.js';

/** Standard normal draws (Box–Muller) from a seeded generator. */
export function normalSampler(seed: number): () => number {
  const uniform = createRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export function normalValues(count: number, seed: number, mean = 0, sd = 1): number[] {
  const next = normalSampler(seed);
  return Array.from({ length: count }, () => mean + sd * next());
}

/** Log-normal values: strongly right-skewed. */
export function logNormalValues(count: number, seed: number): number[] {
  return normalValues(count, seed).map(Math.exp);
}

/** Categories "c0", "c1", … drawn with Zipf-like weights 1/(i+1)^exponent. */
export function zipfCategories(count: number, categories: number, seed: number, exponent = 1.1): string[] {
  const weights = Array.from({ length: categories }, (_, i) => 1 / (i + 1) ** exponent);
  const cumulative: number[] = [];
  weights.reduce((sum, weight) => {
    cumulative.push(sum + weight);
    return sum + weight;
  }, 0);
  const total = cumulative[cumulative.length - 1]!;
  const uniform = createRandom(seed);
  return Array.from({ length: count }, () => {
    const target = uniform() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (cumulative[mid]! >= target) high = mid;
      else low = mid + 1;
    }
    return `c${low}`;
  });
}

/** Splits values into chunks of pseudo-random sizes (at least one value each). */
export function randomChunks<T>(values: readonly T[], chunks: number, seed: number): T[][] {
  const uniform = createRandom(seed);
  const cuts = Array.from({ length: chunks - 1 }, () => Math.floor(uniform() * values.length)).sort((a, b) => a - b);
  const bounds = [0, ...cuts, values.length];
  return bounds.slice(1).map((end, i) => values.slice(bounds[i], end)).filter((chunk) => chunk.length > 0);
}

/** Exact fraction of `sorted` that is ≤ x (or < x when `strict`). */
export function exactCdf(sorted: readonly number[], x: number, strict = false): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (strict ? sorted[mid]! < x : sorted[mid]! <= x) low = mid + 1;
    else high = mid;
  }
  return low / sorted.length;
}
