/** One entry point for either task. */
import { evaluateClassification } from './classification-metrics.js';
import type { EvaluationInput, EvaluationMetrics } from './evaluation-types.js';
import { evaluateRegression } from './regression-metrics.js';

/** `evaluateClassification` or `evaluateRegression`, by `input.task`. */
export function evaluatePredictions(input: EvaluationInput): EvaluationMetrics {
  return input.task === 'classification' ? evaluateClassification(input) : evaluateRegression(input);
}
