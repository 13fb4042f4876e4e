/**
 * Gates judged against a model's metrics, and against a baseline model's (`--compare-to REF
 * --max-regression X`). A gate whose metric is undefined for this model (a null ROC AUC, a gap
 * over fewer than two groups) fails with a reason: a gate that cannot be decided does not pass.
 */
import { ExitCode, MlshipError } from '@mlship/core';
import { EvaluateErrorCode } from './evaluate-errors.js';
import type { EvaluationMetrics } from './evaluation-types.js';
import { checkGatePlan, parseMetricNames, type GateOperator, type GatePlan } from './gate-plan.js';
import type { GroupMetrics } from './group-metrics.js';
import { metricInfo, metricName, resolveMetric, type MetricRef } from './metric-catalog.js';

/**
 * Metrics equal to a threshold within 1e-12 (relative to the threshold when it exceeds 1) count as
 * equal, so that a macro mean of 0.95 summed to 0.9499999999999999 meets `>= 0.95`, and a baseline of
 * 0.95 with max regression 0.01 accepts 0.94.
 */
export const GATE_TOLERANCE = 1e-12;

export interface GateResult {
  /** `threshold`: a gate of the plan; `baseline`: no worse than the baseline by more than maxRegression. */
  kind: 'threshold' | 'baseline';
  /** `accuracy >= 0.95`, or `accuracy >= baseline - 0.01`. */
  expression: string;
  metric: string;
  operator: GateOperator;
  /** This model's value; null when undefined (see `reason`). */
  actual: number | null;
  /** The value compared with; for baseline gates baseline ∓ maxRegression; null when the baseline lacks the metric. */
  threshold: number | null;
  passed: boolean;
  /** Baseline gates: the baseline's value. */
  baseline?: number | null;
  /** Baseline gates: the regression allowed. */
  maxRegression?: number;
  /** Why the gate failed without a comparison. */
  reason?: string;
}

export interface GateReport {
  /** True when every gate passed (also when there are none). */
  passed: boolean;
  failed: number;
  /** The baseline compared with, if any. */
  baseline: { ref: string | null; maxRegression: number } | null;
  /** Threshold gates in plan order, then baseline gates. */
  results: GateResult[];
}

export interface BaselineComparison {
  /** The baseline's ref, for reports. */
  ref?: string;
  /** The baseline model's metrics object, as stored in its metadata. */
  metrics: unknown;
  /** Largest allowed worsening, in the metric's units (absolute, not relative); ≥ 0. */
  maxRegression: number;
  /**
   * Metric names to compare. Default: the primary metric (accuracy, or r2 for regression) and every
   * per-model metric the plan's gates name (group gaps are not compared).
   */
  compare?: readonly string[];
}

export interface EvaluateGatesOptions {
  /** Needed by `group_gap.*` gates. */
  groups?: GroupMetrics;
  baseline?: BaselineComparison;
}

export function comparePasses(actual: number, operator: GateOperator, threshold: number): boolean {
  const tolerance = GATE_TOLERANCE * Math.max(1, Math.abs(threshold));
  switch (operator) {
    case '>=':
      return actual >= threshold - tolerance;
    case '>':
      return actual > threshold + tolerance;
    case '<=':
      return actual <= threshold + tolerance;
    case '<':
      return actual < threshold - tolerance;
  }
}

/**
 * Judges each gate of `plan` against `metrics`, then, with `options.baseline`, adds one baseline
 * gate per compared metric. Throws MLSHIP_E_GATE_UNKNOWN_METRIC when a gate names a metric of the
 * other task, a class the model lacks, or a group gap without `options.groups`;
 * MLSHIP_E_GATE_SYNTAX for a bad maxRegression; MLSHIP_E_GATE_BASELINE when the baseline is not a
 * metrics object of the same task.
 */
export function evaluateGates(plan: GatePlan, metrics: EvaluationMetrics, options: EvaluateGatesOptions = {}): GateReport {
  const classes = metrics.task === 'classification' ? metrics.confusion_matrix.labels : undefined;
  checkGatePlan(plan, { task: metrics.task, ...(classes === undefined ? {} : { classes }) });
  const needsGroups = plan.gates.find((gate) => gate.ref.kind === 'group_gap');
  if (needsGroups !== undefined && options.groups === undefined) {
    throw new MlshipError(EvaluateErrorCode.gateUnknownMetric, `gate ${JSON.stringify(needsGroups.source)} needs per-group metrics, and none were computed`, {
      hint: 'declare a sensitive column (--group-by COL), or drop the group_gap gate',
      exitCode: ExitCode.usage,
    });
  }

  const results: GateResult[] = plan.gates.map((gate) => {
    const { value, reason } = resolveMetric(gate.ref, metrics, options.groups);
    const base = { kind: 'threshold' as const, expression: gate.expression, metric: gate.metric, operator: gate.operator, actual: value, threshold: gate.threshold };
    if (value === null) return { ...base, passed: false, reason: reason ?? `${gate.metric} is undefined` };
    return { ...base, passed: comparePasses(value, gate.operator, gate.threshold) };
  });
  if (options.baseline !== undefined) results.push(...baselineResults(plan, metrics, options.baseline));
  const failed = results.filter((result) => !result.passed).length;
  const baseline = options.baseline === undefined ? null : { ref: options.baseline.ref ?? null, maxRegression: options.baseline.maxRegression };
  return { passed: failed === 0, failed, baseline, results };
}

function baselineResults(plan: GatePlan, metrics: EvaluationMetrics, baseline: BaselineComparison): GateResult[] {
  const { maxRegression } = baseline;
  if (typeof maxRegression !== 'number' || !Number.isFinite(maxRegression) || maxRegression < 0) {
    throw new MlshipError(EvaluateErrorCode.gateSyntax, `max regression must be a number ≥ 0, got ${String(maxRegression)}`, {
      hint: 'pass the largest allowed worsening in the metric\'s units, e.g. --max-regression 0.01',
      exitCode: ExitCode.usage,
    });
  }
  const baselineTask = (baseline.metrics as { task?: unknown } | null | undefined)?.task;
  if (baselineTask !== metrics.task) {
    const what = typeof baselineTask === 'string' ? `a ${baselineTask} model` : 'not an evaluated model (its metrics have no task)';
    throw new MlshipError(EvaluateErrorCode.baselineMismatch, `the baseline${baseline.ref === undefined ? '' : ` ${baseline.ref}`} is ${what}; this is a ${metrics.task} model`, {
      hint: 'compare to a model of the same task that mlship evaluated',
      exitCode: ExitCode.usage,
    });
  }
  const refs = comparedMetrics(plan, metrics, baseline.compare);
  return refs.map((ref) => {
    const metric = metricName(ref);
    const direction = metricInfo(ref).direction;
    const operator: GateOperator = direction === 'higher' ? '>=' : '<=';
    const expression = `${metric} ${operator} baseline ${direction === 'higher' ? '-' : '+'} ${maxRegression}`;
    const current = resolveMetric(ref, metrics);
    const before = resolveMetric(ref, baseline.metrics);
    const threshold = before.value === null ? null : direction === 'higher' ? before.value - maxRegression : before.value + maxRegression;
    const result = { kind: 'baseline' as const, expression, metric, operator, actual: current.value, threshold, baseline: before.value, maxRegression };
    if (before.value === null || threshold === null) return { ...result, passed: false, reason: `the baseline: ${before.reason ?? `no ${metric}`}` };
    if (current.value === null) return { ...result, passed: false, reason: current.reason ?? `${metric} is undefined` };
    return { ...result, passed: comparePasses(current.value, operator, threshold) };
  });
}

function comparedMetrics(plan: GatePlan, metrics: EvaluationMetrics, compare: readonly string[] | undefined): MetricRef[] {
  if (compare !== undefined) {
    const classes = metrics.task === 'classification' ? metrics.confusion_matrix.labels : undefined;
    const refs = parseMetricNames(compare, { task: metrics.task, ...(classes === undefined ? {} : { classes }) });
    const gap = refs.find((ref) => ref.kind === 'group_gap');
    if (gap !== undefined) {
      throw new MlshipError(EvaluateErrorCode.gateUnknownMetric, `${metricName(gap)} cannot be compared to a baseline`, {
        hint: 'gate group gaps with a threshold instead, e.g. group_gap.accuracy<=0.05',
        exitCode: ExitCode.usage,
      });
    }
    return refs;
  }
  const primary: MetricRef = { kind: 'scalar', name: metrics.task === 'classification' ? 'accuracy' : 'r2' };
  const refs = [primary, ...plan.gates.map((gate) => gate.ref).filter((ref) => ref.kind !== 'group_gap')];
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const name = metricName(ref);
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}
