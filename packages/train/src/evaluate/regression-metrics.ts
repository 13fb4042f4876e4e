/** Regression metrics from true and predicted values. */
import { checkFinite, checkLength, checkNotEmpty } from './check-input.js';
import { sumOf } from './compensated-sum.js';
import type { RegressionInput, RegressionMetrics } from './evaluation-types.js';

/**
 * MAE, MSE, RMSE, R² and the largest absolute error, as scikit-learn defines them. R² is null when
 * the true values are constant (SS_tot = 0, one row included), where scikit-learn would report 1 or
 * 0 by convention. Throws MLSHIP_E_EVAL_INPUT for empty input, unequal lengths or non-finite values.
 */
export function evaluateRegression(input: RegressionInput): RegressionMetrics {
  const { actual, predicted } = input;
  const n = actual.length;
  checkNotEmpty('actual', n);
  checkLength('predicted', predicted.length, n);
  checkFinite('actual', actual);
  checkFinite('predicted', predicted);

  let maxError = 0;
  for (let i = 0; i < n; i++) maxError = Math.max(maxError, Math.abs(actual[i]! - predicted[i]!));
  const mae = sumOf(n, (i) => Math.abs(actual[i]! - predicted[i]!)) / n;
  const residualSquares = sumOf(n, (i) => (actual[i]! - predicted[i]!) ** 2);
  const mean = sumOf(n, (i) => actual[i]!) / n;
  const totalSquares = sumOf(n, (i) => (actual[i]! - mean) ** 2);
  const mse = residualSquares / n;
  const notes: Record<string, string> = {};
  let r2: number | null = null;
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = actual[i] === actual[0];
  if (constant || totalSquares === 0) notes.r2 = 'the true values are constant: R² is undefined';
  else r2 = 1 - residualSquares / totalSquares;
  return { task: 'regression', count: n, mae, mse, rmse: Math.sqrt(mse), r2, max_error: maxError, notes };
}
