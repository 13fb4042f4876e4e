/** The scalar part of a metrics document. */
import type { EvaluationMetrics } from './evaluation-types.js';

/** Numbers only: what gates and `registry list` compare across versions, and what the version's metadata records as `metrics`. */
export function scalarMetricsOf(metrics: EvaluationMetrics): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
}
