/**
 * The metric names gates may use, which way each is better, the range each lies in, and how to read
 * one out of a metrics object. Names are the keys of the metrics JSON, so a gate names what
 * `--json` shows.
 */
import type { Task } from './evaluation-types.js';

/** Which way a metric improves. */
export type MetricDirection = 'higher' | 'lower';

export interface MetricInfo {
  task: Task;
  direction: MetricDirection;
  /** The values the metric can take; a gate threshold outside it is a mistake. */
  range: readonly [number, number];
}

const UNIT: readonly [number, number] = [0, 1];
const ERROR: readonly [number, number] = [0, Infinity];

/** Top-level metrics of `ClassificationMetrics` and `RegressionMetrics`, in report order. */
export const SCALAR_METRICS: Readonly<Record<string, MetricInfo>> = {
  accuracy: { task: 'classification', direction: 'higher', range: UNIT },
  precision_macro: { task: 'classification', direction: 'higher', range: UNIT },
  recall_macro: { task: 'classification', direction: 'higher', range: UNIT },
  f1_macro: { task: 'classification', direction: 'higher', range: UNIT },
  precision_weighted: { task: 'classification', direction: 'higher', range: UNIT },
  recall_weighted: { task: 'classification', direction: 'higher', range: UNIT },
  f1_weighted: { task: 'classification', direction: 'higher', range: UNIT },
  roc_auc: { task: 'classification', direction: 'higher', range: UNIT },
  log_loss: { task: 'classification', direction: 'lower', range: ERROR },
  mae: { task: 'regression', direction: 'lower', range: ERROR },
  mse: { task: 'regression', direction: 'lower', range: ERROR },
  rmse: { task: 'regression', direction: 'lower', range: ERROR },
  r2: { task: 'regression', direction: 'higher', range: [-Infinity, 1] },
  max_error: { task: 'regression', direction: 'lower', range: ERROR },
};

/** Scores under `per_class.<class>.`; all in [0, 1], higher is better. */
export const PER_CLASS_SCORES = ['precision', 'recall', 'f1'] as const;
export type PerClassScore = (typeof PER_CLASS_SCORES)[number];

/** Metrics whose gap between groups `group_gap.<metric>` names (see evaluateGroups); a gap is better lower. */
export const GROUP_GAP_METRICS: Readonly<Record<string, { task: Task; range: readonly [number, number] }>> = {
  accuracy: { task: 'classification', range: UNIT },
  precision_macro: { task: 'classification', range: UNIT },
  recall_macro: { task: 'classification', range: UNIT },
  f1_macro: { task: 'classification', range: UNIT },
  positive_rate: { task: 'classification', range: UNIT },
  roc_auc: { task: 'classification', range: UNIT },
  log_loss: { task: 'classification', range: ERROR },
  mae: { task: 'regression', range: ERROR },
  rmse: { task: 'regression', range: ERROR },
  r2: { task: 'regression', range: [0, Infinity] },
  max_error: { task: 'regression', range: ERROR },
};

/** A parsed metric name. */
export type MetricRef =
  | { kind: 'scalar'; name: string }
  | { kind: 'per_class'; className: string; score: PerClassScore }
  | { kind: 'group_gap'; metric: string };

/** What each metric name is, resolved against the catalog. */
export function metricInfo(ref: MetricRef): MetricInfo {
  if (ref.kind === 'scalar') return SCALAR_METRICS[ref.name]!;
  if (ref.kind === 'per_class') return { task: 'classification', direction: 'higher', range: UNIT };
  const gap = GROUP_GAP_METRICS[ref.metric]!;
  return { task: gap.task, direction: 'lower', range: gap.range };
}

const PLAIN_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** The canonical text of a metric name; a class name that is not plain is written as a JSON string. */
export function metricName(ref: MetricRef): string {
  if (ref.kind === 'scalar') return ref.name;
  if (ref.kind === 'group_gap') return `group_gap.${ref.metric}`;
  const className = PLAIN_SEGMENT.test(ref.className) ? ref.className : JSON.stringify(ref.className);
  return `per_class.${className}.${ref.score}`;
}

/** The names a gate may use for `task` (both tasks when omitted), patterns included: for hints. */
export function knownMetricNames(task?: Task, classes?: readonly string[]): string[] {
  const scalars = Object.entries(SCALAR_METRICS)
    .filter(([, info]) => task === undefined || info.task === task)
    .map(([name]) => name);
  const perClass =
    task === 'regression'
      ? []
      : classes === undefined
        ? [`per_class.<class>.${PER_CLASS_SCORES.join('|')}`]
        : classes.map((name) => metricName({ kind: 'per_class', className: name, score: 'recall' }).replace(/recall$/, PER_CLASS_SCORES.join('|')));
  const gaps = Object.entries(GROUP_GAP_METRICS)
    .filter(([, info]) => task === undefined || info.task === task)
    .map(([name]) => name);
  return [...scalars, ...perClass, `group_gap.${gaps.join('|')}`];
}

export interface ResolvedMetric {
  value: number | null;
  /** Why `value` is null. */
  reason?: string;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Reads a metric out of a metrics object and (for `group_gap.*`) a group report. Both may come from
 * the registry, so nothing about their shape is assumed: a missing or non-numeric value is null
 * with a reason.
 */
export function resolveMetric(ref: MetricRef, metrics: unknown, groups?: unknown): ResolvedMetric {
  const name = metricName(ref);
  if (ref.kind === 'group_gap') {
    const gap = field(field(groups, 'gaps'), ref.metric);
    if (gap === undefined) return { value: null, reason: `${ref.metric} was not computed per group` };
    const value = field(gap, 'gap');
    return typeof value === 'number' ? { value } : { value: null, reason: `fewer than two groups have a ${ref.metric}` };
  }
  const value = ref.kind === 'scalar' ? field(metrics, ref.name) : field(field(field(metrics, 'per_class'), ref.className), ref.score);
  if (typeof value === 'number' && Number.isFinite(value)) return { value };
  const note = field(field(metrics, 'notes'), name);
  if (value === null) return { value: null, reason: typeof note === 'string' ? note : `${name} is undefined for this model` };
  return { value: null, reason: `the metrics hold no ${name}` };
}

/** Edit distance, for "did you mean" hints. */
function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The closest of `candidates` to `name` when close enough to be a typo, else undefined. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
