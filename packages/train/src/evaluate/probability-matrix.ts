/** Predicted probabilities in one shape: n rows of k classes, row-major float64. */
import { invalidEvaluationInput } from './evaluate-errors.js';

/**
 * Accepts n·k numbers row-major, n rows of k, or (k = 2 only) n numbers P(class 1), which become
 * rows [1 − p, p] as scikit-learn expands a one-column prediction. Throws MLSHIP_E_EVAL_INPUT for
 * another shape or a value that is not a number in [0, 1] (NaN included).
 */
export function toProbabilityMatrix(probabilities: ArrayLike<number> | readonly ArrayLike<number>[], rows: number, classes: number): Float64Array {
  const matrix = new Float64Array(rows * classes);
  const first = probabilities[0];
  if (probabilities.length > 0 && typeof first === 'object' && first !== null) {
    const nested = probabilities as readonly ArrayLike<number>[];
    if (nested.length !== rows) throw shapeError(`${nested.length} rows`, rows, classes);
    nested.forEach((row, i) => {
      if (row.length !== classes) throw shapeError(`a row of ${row.length} values (row ${i})`, rows, classes);
      for (let j = 0; j < classes; j++) matrix[i * classes + j] = row[j]!;
    });
  } else {
    const flat = probabilities as ArrayLike<number>;
    if (flat.length === rows * classes) {
      for (let i = 0; i < flat.length; i++) matrix[i] = flat[i]!;
    } else if (classes === 2 && flat.length === rows) {
      for (let i = 0; i < rows; i++) {
        matrix[2 * i] = 1 - flat[i]!;
        matrix[2 * i + 1] = flat[i]!;
      }
    } else {
      throw shapeError(`${flat.length} values`, rows, classes);
    }
  }
  let outside = -1;
  for (let i = 0; i < matrix.length && outside < 0; i++) if (!(matrix[i]! >= 0 && matrix[i]! <= 1)) outside = i;
  if (outside >= 0) {
    const row = Math.floor(outside / classes);
    throw invalidEvaluationInput(
      `probabilities must be numbers in [0, 1], got ${matrix[outside]} in row ${row}`,
      'pass probabilities (a softmax or sigmoid output), not logits',
      { row },
    );
  }
  return matrix;
}

function shapeError(got: string, rows: number, classes: number) {
  return invalidEvaluationInput(
    `probabilities have ${got}, expected ${rows}×${classes}${classes === 2 ? ` or ${rows} values of P(class 1)` : ''}`,
    'pass one probability per class for every evaluated row',
  );
}

/** The most probable class of each row; the first on ties (numpy's argmax). */
export function mostProbableClasses(matrix: ArrayLike<number>, rows: number, classes: number): number[] {
  const predicted = new Array<number>(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (matrix[i * classes + j]! > matrix[i * classes + best]!) best = j;
    predicted[i] = best;
  }
  return predicted;
}

/** Rows whose probabilities do not sum to 1 within `tolerance`. */
export function countUnnormalisedRows(matrix: Float64Array, rows: number, classes: number, tolerance = 1e-3): number {
  let count = 0;
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += matrix[i * classes + j]!;
    if (Math.abs(sum - 1) > tolerance) count++;
  }
  return count;
}
