/**
 * Count, sum, min, max, mean and variance of a stream of finite numbers in O(1) memory.
 * Values are added with Welford's online update and states are combined with the parallel formula
 * of Chan, Golub and LeVeque (1979), so merging chunk states equals processing the whole stream up
 * to floating-point rounding. The sum is accumulated with Neumaier's compensated summation.
 */

/** Plain-JSON state. `m2` is the sum of squared deviations from the mean. Empty: count 0, the rest null or 0. */
export interface MomentsJSON {
  count: number;
  sum: number;
  mean: number;
  m2: number;
  min: number | null;
  max: number | null;
}

export class Moments {
  count = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  private sumHigh = 0;
  private sumLow = 0;

  /** Adds one finite number; callers filter out NaN and infinities. */
  add(x: number): void {
    this.count += 1;
    const delta = x - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.addToSum(x);
  }

  /**
   * Adds many finite numbers: their own moments (two passes: exact mean, then squared deviations)
   * merged in by Chan's formula, which is as accurate as Welford's update and cheaper per value.
   */
  addMany(values: ArrayLike<number>): void {
    if (values.length === 0) return;
    const batch = new Moments();
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i += 1) {
      const x = values[i]!;
      batch.addToSum(x);
      if (x < min) min = x;
      if (x > max) max = x;
    }
    const mean = batch.sum / values.length;
    let m2 = 0;
    let drift = 0;
    for (let i = 0; i < values.length; i += 1) {
      const d = values[i]! - mean;
      m2 += d * d;
      drift += d;
    }
    batch.count = values.length;
    batch.mean = mean + drift / values.length; // corrects the mean for the rounding of sum / n
    batch.m2 = m2 - (drift * drift) / values.length;
    batch.min = min;
    batch.max = max;
    this.merge(batch);
  }

  merge(other: Moments): void {
    if (other.count === 0) return;
    if (this.count === 0) {
      this.mean = other.mean;
      this.m2 = other.m2;
    } else {
      const count = this.count + other.count;
      const delta = other.mean - this.mean;
      this.mean += (delta * other.count) / count;
      this.m2 += other.m2 + (delta * delta * this.count * other.count) / count;
    }
    this.count += other.count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.addToSum(other.sumHigh);
    this.addToSum(other.sumLow);
  }

  get sum(): number {
    return this.sumHigh + this.sumLow;
  }

  /** Sample variance (divides by n − 1), as pandas and R report it; 0 for fewer than two values. */
  get variance(): number {
    return this.count < 2 ? 0 : this.m2 / (this.count - 1);
  }

  /** Population variance (divides by n); 0 when empty. */
  get populationVariance(): number {
    return this.count === 0 ? 0 : this.m2 / this.count;
  }

  toJSON(): MomentsJSON {
    const empty = this.count === 0;
    return {
      count: this.count,
      sum: this.sum,
      mean: this.mean,
      m2: this.m2,
      min: empty ? null : this.min,
      max: empty ? null : this.max,
    };
  }

  static fromJSON(json: MomentsJSON): Moments {
    const moments = new Moments();
    moments.count = json.count;
    moments.mean = json.mean;
    moments.m2 = json.m2;
    moments.min = json.min ?? Infinity;
    moments.max = json.max ?? -Infinity;
    moments.sumHigh = json.sum;
    return moments;
  }

  /** Neumaier's variant of Kahan summation: the low word keeps what the high word rounds away. */
  private addToSum(x: number): void {
    const total = this.sumHigh + x;
    if (Math.abs(this.sumHigh) >= Math.abs(x)) this.sumLow += this.sumHigh - total + x;
    else this.sumLow += x - total + this.sumHigh;
    this.sumHigh = total;
  }
}
