/** The seeded split of rows into training, validation and test parts, stratified by class when asked, and k-fold assignment. */
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
  const chosen = choose(count, validationSize(count, options.fraction), createRandom(`mlship.split:${options.seed}`), options.classes);
  const train: number[] = [];
  const validation: number[] = [];
  for (let row = 0; row < count; row++) (chosen[row] ? validation : train).push(row);
  return { train, validation };
}

/** `total` positions of 0…count − 1 drawn with `random`, by class when `classes` is given (see `stratumQuotas`): 1 where chosen. */
function choose(count: number, total: number, random: () => number, classes: ArrayLike<number> | undefined): Uint8Array {
  const chosen = new Uint8Array(count);
  if (!classes) {
    const order = randomPermutation(count, random);
    for (let i = 0; i < total; i++) chosen[order[i]!] = 1;
    return chosen;
  }
  const members: number[][] = [];
  for (let row = 0; row < count; row++) {
    const c = classes[row]!;
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
  return chosen;
}

export interface PartsOptions {
  /** Shares of all rows for validation and for test (each 0 ≤ share < 1, together < 1). */
  validation: number;
  test: number;
  seed: number;
  /** Stratify: the class index of each row. */
  classes?: ArrayLike<number>;
}

/** Three disjoint parts of positions 0…count − 1, each ascending. */
export interface RowParts {
  train: number[];
  validation: number[];
  test: number[];
}

/**
 * The three-way split: the test rows first (round(count × test), stratified and seeded like
 * `splitRows`, from a random stream of their own), then round(count × validation) validation rows from
 * the rest; a class keeps at least one training row. With no test share it is exactly
 * `splitRows(count, { fraction: validation })`, the split of specs stored before the test part existed.
 */
export function splitParts(count: number, options: PartsOptions): RowParts {
  const { seed, classes } = options;
  if (options.test <= 0) {
    const split = splitRows(count, { fraction: options.validation, seed, ...(classes ? { classes } : {}) });
    return { ...split, test: [] };
  }
  const wantValidation = options.validation > 0 ? Math.max(1, Math.round(count * options.validation)) : 0;
  const testTotal = count < 2 ? 0 : Math.min(count - 1 - Math.min(wantValidation, 1), Math.max(1, Math.round(count * options.test)));
  const inTest = choose(count, Math.max(0, testTotal), createRandom(`mlship.test:${seed}`), classes);
  const rest: number[] = [];
  const test: number[] = [];
  for (let row = 0; row < count; row++) (inTest[row] ? test : rest).push(row);
  const validationTotal = rest.length < 2 ? 0 : Math.min(rest.length - 1, wantValidation);
  const inValidation = choose(rest.length, validationTotal, createRandom(`mlship.split:${seed}`), classes ? rest.map((row) => classes[row]!) : undefined);
  const train: number[] = [];
  const validation: number[] = [];
  rest.forEach((row, i) => (inValidation[i] ? validation : train).push(row));
  return { train, validation, test };
}

/**
 * The fold (0…folds − 1) of each of `count` positions for k-fold cross-validation: seeded, and by class
 * when `classes` is given (each class dealt round the folds in turn, so every fold gets its share).
 */
export function foldRows(count: number, options: { folds: number; seed: number; classes?: ArrayLike<number> }): Int32Array {
  const fold = new Int32Array(count);
  const random = createRandom(`mlship.folds:${options.seed}`);
  const groups: number[][] = [];
  if (options.classes) {
    for (let row = 0; row < count; row++) (groups[options.classes[row]!] ??= []).push(row);
  } else {
    groups.push(Array.from({ length: count }, (_, row) => row));
  }
  let dealt = 0;
  for (const rows of groups) {
    if (!rows) continue;
    const order = randomPermutation(rows.length, random);
    for (let i = 0; i < rows.length; i++) fold[rows[order[i]!]!] = (dealt + i) % options.folds;
    dealt += rows.length;
  }
  return fold;
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
