/** Checks of evaluation input; each throws MLSHIP_E_EVAL_INPUT naming the first bad rows. */
import { invalidEvaluationInput } from './evaluate-errors.js';

const SHOWN = 5;

function firstBad(values: ArrayLike<number>, bad: (value: number) => boolean): number[] {
  const rows: number[] = [];
  for (let i = 0; i < values.length && rows.length < SHOWN; i++) if (bad(values[i]!)) rows.push(i);
  return rows;
}

function rowList(rows: readonly number[], values: ArrayLike<number>): string {
  return rows.map((row) => `row ${row}: ${String(values[row])}`).join(', ');
}

/** At least one row. */
export function checkNotEmpty(name: string, length: number): void {
  if (length === 0) throw invalidEvaluationInput(`${name} is empty: nothing to evaluate`, 'evaluate on at least one row');
}

/** `values` has `expected` entries. */
export function checkLength(name: string, length: number, expected: number, against = 'actual'): void {
  if (length !== expected) {
    throw invalidEvaluationInput(`${name} has ${length} rows but ${against} has ${expected}`, 'pass one value per evaluated row', {
      [name]: length,
      [against]: expected,
    });
  }
}

/** Every value is a finite number. */
export function checkFinite(name: string, values: ArrayLike<number>): void {
  const rows = firstBad(values, (value) => typeof value !== 'number' || !Number.isFinite(value));
  if (rows.length > 0) {
    throw invalidEvaluationInput(`${name} holds values that are not finite numbers (${rowList(rows, values)})`, 'remove or impute missing values before evaluating', {
      rows,
    });
  }
}

/** Two or more distinct class names. */
export function checkClasses(classes: readonly string[]): void {
  if (classes.length < 2) {
    throw invalidEvaluationInput(`a classification needs at least two classes, got ${JSON.stringify(classes)}`, 'declare every class the model can predict');
  }
  const seen = new Set<string>();
  for (const name of classes) {
    if (typeof name !== 'string') throw invalidEvaluationInput(`class names must be strings, got ${JSON.stringify(name)}`, 'pass class names as strings');
    if (seen.has(name)) throw invalidEvaluationInput(`class ${JSON.stringify(name)} is declared twice`, 'class names must be distinct');
    seen.add(name);
  }
}

/** Every value is an integer class index in [0, classCount). */
export function checkClassIndices(name: string, values: ArrayLike<number>, classCount: number): void {
  const rows = firstBad(values, (value) => !Number.isInteger(value) || value < 0 || value >= classCount);
  if (rows.length > 0) {
    throw invalidEvaluationInput(
      `${name} holds values that are not class indices 0…${classCount - 1} (${rowList(rows, values)})`,
      'pass class indices into `classes`; encodeLabels maps class names to indices',
      { rows },
    );
  }
}
