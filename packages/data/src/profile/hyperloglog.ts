/**
 * HyperLogLog distinct-count sketch (Flajolet, Fusy, Gandouet and Meunier, 2007) over 64-bit hashes,
 * with Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog sketches",
 * 2017), which needs no empirical bias tables and is accurate from 0 to far beyond 10^9 values.
 *
 * 2^p registers keep the longest run of leading zeros (+1) seen among hashes routed to them. Merging
 * takes the register-wise maximum, so a merged sketch equals the sketch of the combined stream exactly.
 * Relative standard error 1.04 / √(2^p): 0.81% at the default p = 14 (16 KiB of registers), so the
 * estimate is within ±2.4% of the truth with 99.7% probability.
 */
import { Buffer } from 'node:buffer';
import { hash64, hashNumberHigh, hashNumberLow } from './hash.js';

/** Bound once: global property lookups are slow in some sandboxes (Jest's VM contexts). */
const { clz32 } = Math;

export const DEFAULT_HLL_PRECISION = 14;
export const MIN_HLL_PRECISION = 4;
export const MAX_HLL_PRECISION = 18;

/** Plain-JSON state: `registers` holds one byte per register, base64-encoded. */
export interface HyperLogLogJSON {
  precision: number;
  registers: string;
}

export class HyperLogLog {
  readonly precision: number;
  private readonly registers: Uint8Array;

  constructor(precision = DEFAULT_HLL_PRECISION) {
    if (!Number.isInteger(precision) || precision < MIN_HLL_PRECISION || precision > MAX_HLL_PRECISION) {
      throw new Error(`HyperLogLog precision must be an integer in ${MIN_HLL_PRECISION}..${MAX_HLL_PRECISION}, got ${precision}`);
    }
    this.precision = precision;
    this.registers = new Uint8Array(1 << precision);
  }

  /** Adds a string or a finite number; the number 1 and the string "1" are different keys. */
  add(key: string | number): void {
    if (typeof key === 'number') this.addHash(hashNumberHigh(key), hashNumberLow(key));
    else {
      const [high, low] = hash64(key);
      this.addHash(high, low);
    }
  }

  /**
   * The top p bits of the hash pick the register; the remaining 64 − p bits give the rank
   * (position of the first 1 bit, 1-based; 65 − p when they are all zero).
   */
  addHash(high: number, low: number): void {
    const p = this.precision;
    const index = high >>> (32 - p);
    const rest = (high << p) >>> 0;
    let rank: number;
    if (rest !== 0) rank = clz32(rest) + 1;
    else if (low !== 0) rank = 32 - p + clz32(low) + 1;
    else rank = 64 - p + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  merge(other: HyperLogLog): void {
    if (other.precision !== this.precision) {
      throw new Error(`cannot merge HyperLogLog sketches with precision ${this.precision} and ${other.precision}`);
    }
    for (let i = 0; i < this.registers.length; i++) {
      if (other.registers[i]! > this.registers[i]!) this.registers[i] = other.registers[i]!;
    }
  }

  /** Estimated number of distinct keys added (Ertl 2017, algorithm 6). */
  estimate(): number {
    const m = this.registers.length;
    const q = 64 - this.precision;
    const histogram = new Array<number>(q + 2).fill(0);
    for (const value of this.registers) histogram[value]! += 1;
    let z = m * tau(1 - histogram[q + 1]! / m);
    for (let k = q; k >= 1; k--) z = 0.5 * (z + histogram[k]!);
    z += m * sigma(histogram[0]! / m);
    return Math.round((m * m) / (2 * Math.LN2 * z));
  }

  toJSON(): HyperLogLogJSON {
    return { precision: this.precision, registers: Buffer.from(this.registers).toString('base64') };
  }

  /** Loads a state written by `toJSON`; throws when the registers do not fit the precision. */
  static fromJSON(json: HyperLogLogJSON): HyperLogLog {
    const sketch = new HyperLogLog(json.precision);
    const bytes = Buffer.from(json.registers, 'base64');
    if (bytes.length !== sketch.registers.length) {
      throw new Error(`HyperLogLog registers: expected ${sketch.registers.length} bytes, got ${bytes.length}`);
    }
    const maxRank = 64 - json.precision + 1;
    for (const value of bytes) if (value > maxRank) throw new Error(`HyperLogLog register value ${value} exceeds ${maxRank}`);
    sketch.registers.set(bytes);
    return sketch;
  }
}

/** Ertl's σ(x) = x + Σ_{k≥1} x^(2^k) · 2^(k−1), for the share of empty registers. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let power = x;
  let weight = 1;
  let sum = x;
  for (;;) {
    power *= power;
    const previous = sum;
    sum += power * weight;
    weight += weight;
    if (sum === previous) return sum;
  }
}

/** Ertl's τ(x), for the share of saturated registers. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let root = x;
  let weight = 1;
  let sum = 1 - x;
  for (;;) {
    root = Math.sqrt(root);
    const previous = sum;
    weight *= 0.5;
    sum -= (1 - root) ** 2 * weight;
    if (sum === previous) return sum / 3;
  }
}
