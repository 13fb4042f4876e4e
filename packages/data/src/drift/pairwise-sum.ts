/**
 * Summation in numpy's order (`np.sum` on a contiguous float64 array: 0 + pairwise sum with eight
 * accumulators and blocks of 128). Where a statistic is a small difference of large terms, as the
 * Jensen–Shannon divergence of close distributions is, summing in the same order as numpy keeps
 * the result equal to scipy's to the last bits instead of to ~1e-13.
 */
export function pairwiseSum(values: ArrayLike<number>): number {
  return 0 + blockSum(values, 0, values.length);
}

const BLOCK = 128;

function blockSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += a[start + i]!;
    return sum;
  }
  if (n <= BLOCK) {
    const r = [a[start]!, a[start + 1]!, a[start + 2]!, a[start + 3]!, a[start + 4]!, a[start + 5]!, a[start + 6]!, a[start + 7]!];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = r[j]! + a[start + i + j]!;
    }
    let sum = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) sum += a[start + i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return blockSum(a, start, half) + blockSum(a, start + half, n - half);
}
