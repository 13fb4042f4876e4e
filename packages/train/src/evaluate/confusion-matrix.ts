/** Counts of (true class, predicted class) pairs. */

/** `matrix[actual][predicted]` over class indices 0…classCount − 1. Inputs are checked class indices. */
export function confusionCounts(actual: ArrayLike<number>, predicted: ArrayLike<number>, classCount: number): number[][] {
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < actual.length; i++) matrix[actual[i]!]![predicted[i]!]! += 1;
  return matrix;
}
