/**
 * Neumaier (improved Kahan) summation: the error does not grow with the number of terms, so means
 * over many rows agree with numpy's pairwise sums far inside the 1e-12 the golden tests ask.
 */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(value: number): void {
    const t = this.sum + value;
    this.compensation += Math.abs(this.sum) >= Math.abs(value) ? this.sum - t + value : value - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}

/** Σ term(i) for i < n, compensated. */
export function sumOf(n: number, term: (index: number) => number): number {
  const total = new CompensatedSum();
  for (let i = 0; i < n; i++) total.add(term(i));
  return total.value;
}
