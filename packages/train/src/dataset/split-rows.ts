/** The seeded split of rows into a training and a validation part, stratified by class when asked. */
import { createRandom, randomPermutation } from '../evaluate/seeded-random.js';

export interface SplitOptions {
  /** Share of the rows that go to validation (0 ≤ fraction < 1). */
  fraction: number;
  seed: number;
  /** Stratify: the class index of each row; every class keeps (as near as possible) its share in both parts. */
  classes?: ArrayLike<number>;
}

export interface RowSplit {
  /** Positions 0…count − 1, ascending. */
  train: number[];
  validation: number[];
}

/** Rows for validation: round(count × fraction), at least 1 and at most count − 1 when fraction > 0. */
export function validationSize(count: number, fraction: number): number {
  if (fraction <= 0 || count < 2) return 0;
  return Math.min(count - 1, Math.max(1, Math.round(count * fraction)));
}

/**
 * Splits positions 0…count − 1. The same count, fraction, seed and classes give the same split on every
 * platform (sfc32 keyed by the seed). Stratified, each class gets its share of the validation rows by
 * largest remainder, and a class with two rows or more keeps at least one in training.
 */
export function splitRows(count: number, options: SplitOptions): RowSplit {
  const total = validationSize(count, options.fraction);
  const random = createRandom(`mlship.split:${options.seed}`);
  const chosen = new Uint8Array(count);
  if (!options.classes) {
    const order = randomPermutation(count, random);
    for (let i = 0; i < total; i++) chosen[order[i]!] = 1;
  } else {
    const members: number[][] = [];
    for (let row = 0; row < count; row++) {
      const c = options.classes[row]!;
      (members[c] ??= []).push(row);
    }
    const quotas = stratumQuotas(
      members.map((rows) => rows?.length ?? 0),
      total,
    );
    members.forEach((rows, c) => {
      if (!rows) return;
      const order = randomPermutation(rows.length, random);
      for (let i = 0; i < quotas[c]!; i++) chosen[rows[order[i]!]!] = 1;
    });
  }
  const train: number[] = [];
  const validation: number[] = [];
  for (let row = 0; row < count; row++) (chosen[row] ? validation : train).push(row);
  return { train, validation };
}

/** Validation rows per class: proportional shares of `total`, rounded by largest remainder (ties: lower class first). */
export function stratumQuotas(sizes: number[], total: number): number[] {
  const count = sizes.reduce((sum, n) => sum + n, 0);
  const caps = sizes.map((n) => (n >= 2 ? n - 1 : 0));
  const exact = sizes.map((n) => (count === 0 ? 0 : (n * total) / count));
  const quotas = exact.map((share, c) => Math.min(caps[c]!, Math.floor(share)));
  let left = total - quotas.reduce((sum, n) => sum + n, 0);
  const byRemainder = sizes.map((_, c) => c).sort((a, b) => exact[b]! - Math.floor(exact[b]!) - (exact[a]! - Math.floor(exact[a]!)) || a - b);
  // Rounds: hand out one row at a time by remainder, as long as a class has room.
  while (left > 0) {
    let given = false;
    for (const c of byRemainder) {
      if (left === 0) break;
      if (quotas[c]! < caps[c]!) {
        quotas[c]! += 1;
        left -= 1;
        given = true;
      }
    }
    if (!given) break;
  }
  return quotas;
}
