// Evaluation: metrics, per-group metrics, permutation importance, gates and model cards. Pure: no I/O, no printing.
export { EvaluateErrorCode } from './evaluate-errors.js';
export type {
  Task,
  ClassificationInput,
  RegressionInput,
  EvaluationInput,
  ClassScores,
  ConfusionMatrix,
  ClassificationMetrics,
  RegressionMetrics,
  EvaluationMetrics,
} from './evaluation-types.js';
export { encodeLabels, type EncodedLabels } from './class-labels.js';
export { mostProbableClasses, toProbabilityMatrix } from './probability-matrix.js';
export { evaluateClassification } from './classification-metrics.js';
export { evaluateRegression } from './regression-metrics.js';
export { evaluatePredictions } from './evaluate-predictions.js';
export { scalarMetricsOf } from './scalar-metrics.js';
export { rocAuc, type RocAucResult } from './roc-auc.js';
export {
  evaluateGroups,
  groupMetricNames,
  MISSING_GROUP,
  DEFAULT_MAX_GROUPS,
  type GroupMetricsOptions,
  type GroupMetrics,
  type GroupResult,
  type GroupGap,
} from './group-metrics.js';
export { createRandom, randomPermutation } from './seeded-random.js';
export {
  permutationImportance,
  DEFAULT_IMPORTANCE_REPEATS,
  type FeatureRow,
  type PermutationImportanceOptions,
  type PermutationImportance,
  type FeatureImportance,
} from './permutation-importance.js';
export {
  SCALAR_METRICS,
  PER_CLASS_SCORES,
  GROUP_GAP_METRICS,
  knownMetricNames,
  metricInfo,
  metricName,
  resolveMetric,
  type MetricDirection,
  type MetricInfo,
  type MetricRef,
  type PerClassScore,
  type ResolvedMetric,
} from './metric-catalog.js';
export { planGates, parseMetricNames, checkGatePlan, type Gate, type GatePlan, type GateContext, type GateOperator } from './gate-plan.js';
export {
  evaluateGates,
  GATE_TOLERANCE,
  type GateResult,
  type GateReport,
  type BaselineComparison,
  type EvaluateGatesOptions,
} from './gate-evaluate.js';
export { formatFixed, formatCount, METRIC_DECIMALS } from './format-number.js';
export { buildModelCard, renderModelCardJson, MODEL_CARD_SCHEMA, type ModelCard, type ModelCardFacts } from './model-card.js';
export { renderModelCardMarkdown, INTENDED_USE_PLACEHOLDER, LIMITATIONS_PLACEHOLDER } from './model-card-markdown.js';
