/** Cross-entropy of predicted probabilities, as scikit-learn's log_loss computes it. */
import { sumOf } from './compensated-sum.js';

/** Float64 machine epsilon: probabilities are clipped to [ε, 1 − ε] so that a confident miss stays finite. */
const EPSILON = Number.EPSILON;

/** Mean −ln(clip(P(true class))). `matrix` is n×k row-major; `actual` holds checked class indices. */
export function logLoss(actual: ArrayLike<number>, matrix: Float64Array, classCount: number): number {
  const n = actual.length;
  return (
    sumOf(n, (i) => {
      const p = matrix[i * classCount + actual[i]!]!;
      return -Math.log(Math.min(Math.max(p, EPSILON), 1 - EPSILON));
    }) / n
  );
}
