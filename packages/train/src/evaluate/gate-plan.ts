/**
 * Gate expressions (`accuracy>=0.95`, `f1_macro > 0.9`, `rmse<=0.3`, `per_class.setosa.recall>=0.9`,
 * `group_gap.accuracy<=0.05`) parsed into a plan, without touching any metrics. A class name with
 * characters other than letters, digits, `_` and `-` may be written as a JSON string:
 * `per_class."Iris setosa".recall>=0.9`; an unquoted one runs to the last dot.
 */
import { ExitCode, MlshipError } from '@mlship/core';
import { EvaluateErrorCode } from './evaluate-errors.js';
import type { Task } from './evaluation-types.js';
import {
  closestName,
  GROUP_GAP_METRICS,
  knownMetricNames,
  metricInfo,
  metricName,
  PER_CLASS_SCORES,
  SCALAR_METRICS,
  type MetricRef,
  type PerClassScore,
} from './metric-catalog.js';

export type GateOperator = '>=' | '>' | '<=' | '<';

export interface Gate {
  /** The expression as given. */
  source: string;
  /** Canonical form: `accuracy >= 0.95`. */
  expression: string;
  /** Canonical metric name. */
  metric: string;
  ref: MetricRef;
  operator: GateOperator;
  threshold: number;
}

export interface GatePlan {
  gates: Gate[];
}

export interface GateContext {
  /** When known, metrics of the other task are refused. */
  task?: Task;
  /** When known, `per_class` gates must name one of these. */
  classes?: readonly string[];
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const OPERATORS: readonly GateOperator[] = ['>=', '<=', '>', '<'];

class GateProblem {
  constructor(
    readonly kind: 'syntax' | 'unknown',
    readonly message: string,
    readonly suggestion?: string,
  ) {}
}

/**
 * Parses every expression; throws MLSHIP_E_GATE_SYNTAX listing the expressions that do not parse
 * (or whose threshold lies outside the metric's range), else MLSHIP_E_GATE_UNKNOWN_METRIC listing
 * unknown metric names, with the known names as hint.
 */
export function planGates(expressions: readonly string[], context: GateContext = {}): GatePlan {
  const gates: Gate[] = [];
  const problems: GateProblem[] = [];
  for (const source of expressions) {
    const parsed = parseGate(source, context);
    if (parsed instanceof GateProblem) problems.push(parsed);
    else gates.push(parsed);
  }
  throwProblems(problems, context);
  return { gates };
}

/**
 * Parses bare metric names (`accuracy`, `per_class.setosa.recall`), as `--compare-to` takes them;
 * throws as planGates does.
 */
export function parseMetricNames(names: readonly string[], context: GateContext = {}): MetricRef[] {
  const refs: MetricRef[] = [];
  const problems: GateProblem[] = [];
  for (const name of names) {
    const shown = JSON.stringify(name);
    const ref = typeof name === 'string' ? parseMetric(name.trim(), shown) : new GateProblem('syntax', `${shown} is not a metric name`);
    const checked = ref instanceof GateProblem ? ref : checkInContext(ref, context, shown);
    if (checked instanceof GateProblem) problems.push(checked);
    else refs.push(ref as MetricRef);
  }
  throwProblems(problems, context);
  return refs;
}

/**
 * Checks a plan made without context (or stored) against the model's task and classes; throws
 * MLSHIP_E_GATE_UNKNOWN_METRIC as planGates does.
 */
export function checkGatePlan(plan: GatePlan, context: GateContext): void {
  const problems: GateProblem[] = [];
  for (const gate of plan.gates) {
    const checked = checkInContext(gate.ref, context, JSON.stringify(gate.source));
    if (checked instanceof GateProblem) problems.push(checked);
  }
  throwProblems(problems, context);
}

function throwProblems(problems: readonly GateProblem[], context: GateContext): void {
  const syntax = problems.filter((problem) => problem.kind === 'syntax');
  if (syntax.length > 0) {
    throw new MlshipError(EvaluateErrorCode.gateSyntax, listProblems('gate', syntax), {
      hint: 'write a gate as METRIC OP NUMBER with OP one of >=, >, <=, <, e.g. accuracy>=0.95 or rmse<=0.3',
      exitCode: ExitCode.usage,
      details: { problems: syntax.map((problem) => problem.message) },
    });
  }
  if (problems.length > 0) {
    const suggestions = problems.flatMap((problem) => (problem.suggestion === undefined ? [] : [problem.suggestion]));
    const known = knownMetricNames(context.task, context.classes);
    throw new MlshipError(EvaluateErrorCode.gateUnknownMetric, listProblems('gate metric', problems), {
      hint: `${suggestions.length > 0 ? `did you mean ${suggestions.join(', ')}? ` : ''}known metrics: ${known.join(', ')}`,
      exitCode: ExitCode.usage,
      details: { problems: problems.map((problem) => problem.message), known },
    });
  }
}

function listProblems(what: string, problems: readonly GateProblem[]): string {
  if (problems.length === 1) return `invalid ${what}: ${problems[0]!.message}`;
  return `${problems.length} invalid ${what}s: ${problems.map((problem) => problem.message).join('; ')}`;
}

function parseGate(source: string, context: GateContext): Gate | GateProblem {
  const shown = JSON.stringify(source);
  if (typeof source !== 'string' || source.trim() === '') return new GateProblem('syntax', `${shown} is empty`);
  const split = splitAtOperator(source);
  if (split instanceof GateProblem) return split;
  const { left, operator, right } = split;
  const thresholdText = right.trim();
  if (!NUMBER.test(thresholdText)) return new GateProblem('syntax', `${shown}: ${JSON.stringify(thresholdText)} is not a number`);
  const threshold = Number(thresholdText);
  const ref = parseMetric(left.trim(), shown);
  if (ref instanceof GateProblem) return ref;
  const checked = checkInContext(ref, context, shown);
  if (checked instanceof GateProblem) return checked;
  const metric = metricName(ref);
  const [low, high] = metricInfo(ref).range;
  if (threshold < low || threshold > high) {
    const scale = high === 1 && low === 0 && threshold > 1 && threshold <= 100 ? `; write a fraction, e.g. ${metric}${operator}${threshold / 100}` : '';
    return new GateProblem('syntax', `${shown}: ${threshold} lies outside the range of ${metric}, [${low}, ${high}]${scale}`);
  }
  return { source, expression: `${metric} ${operator} ${threshold}`, metric, ref, operator, threshold };
}

/** Splits at the first `<` or `>` outside a quoted class name. */
function splitAtOperator(source: string): { left: string; operator: GateOperator; right: string } | GateProblem {
  const shown = JSON.stringify(source);
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (quoted) {
      if (char === '\\') i++;
      else if (char === '"') quoted = false;
      continue;
    }
    if (char === '"') quoted = true;
    else if (char === '<' || char === '>') {
      const operator = OPERATORS.find((op) => source.startsWith(op, i))!;
      const right = source.slice(i + operator.length);
      if (/^\s*[<>=]/.test(right)) return new GateProblem('syntax', `${shown}: unknown operator; use >=, >, <= or <`);
      return { left: source.slice(0, i), operator, right };
    }
    if (char === '=' || char === '!') return new GateProblem('syntax', `${shown}: unknown operator; use >=, >, <= or <`);
  }
  return new GateProblem('syntax', quoted ? `${shown}: a quoted class name is not closed` : `${shown} has no comparison; use >=, >, <= or <`);
}

function parseMetric(text: string, shown: string): MetricRef | GateProblem {
  if (text === '') return new GateProblem('syntax', `${shown} names no metric`);
  const lower = text.toLowerCase();
  if (lower.startsWith('per_class.')) return parsePerClass(text.slice('per_class.'.length), shown);
  if (lower.startsWith('group_gap.')) {
    const metric = text.slice('group_gap.'.length).toLowerCase();
    if (Object.hasOwn(GROUP_GAP_METRICS, metric)) return { kind: 'group_gap', metric };
    const suggestion = closestName(metric, Object.keys(GROUP_GAP_METRICS));
    return new GateProblem('unknown', `${shown}: no group metric ${JSON.stringify(metric)}`, suggestion && `group_gap.${suggestion}`);
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) return new GateProblem('syntax', `${shown}: ${JSON.stringify(text)} is not a metric name`);
  if (Object.hasOwn(SCALAR_METRICS, lower)) return { kind: 'scalar', name: lower };
  return new GateProblem('unknown', `${shown}: no metric ${JSON.stringify(text)}`, closestName(lower, [...Object.keys(SCALAR_METRICS), 'per_class', 'group_gap']));
}

function parsePerClass(rest: string, shown: string): MetricRef | GateProblem {
  let className: string;
  let scoreText: string;
  if (rest.startsWith('"')) {
    let end = 1;
    while (end < rest.length && rest[end] !== '"') end += rest[end] === '\\' ? 2 : 1;
    try {
      className = JSON.parse(rest.slice(0, end + 1)) as string;
    } catch {
      return new GateProblem('syntax', `${shown}: the quoted class name is not a valid JSON string`);
    }
    if (rest[end + 1] !== '.') return new GateProblem('syntax', `${shown}: expected .precision, .recall or .f1 after the class name`);
    scoreText = rest.slice(end + 2);
  } else {
    const dot = rest.lastIndexOf('.');
    if (dot < 0) return new GateProblem('syntax', `${shown}: write per_class.<class>.${PER_CLASS_SCORES.join('|')}`);
    className = rest.slice(0, dot);
    scoreText = rest.slice(dot + 1);
  }
  if (className === '') return new GateProblem('syntax', `${shown}: the class name is empty`);
  const score = scoreText.toLowerCase();
  if (!(PER_CLASS_SCORES as readonly string[]).includes(score)) {
    const suggestion = closestName(score, PER_CLASS_SCORES);
    return new GateProblem(
      'unknown',
      `${shown}: no per-class score ${JSON.stringify(scoreText)} (there are ${PER_CLASS_SCORES.join(', ')})`,
      suggestion && metricName({ kind: 'per_class', className, score: suggestion as PerClassScore }),
    );
  }
  return { kind: 'per_class', className, score: score as PerClassScore };
}

/** Refuses a metric of the other task, or a class the model does not have. */
function checkInContext(ref: MetricRef, context: GateContext, shown: string): true | GateProblem {
  const info = metricInfo(ref);
  if (context.task !== undefined && info.task !== context.task) {
    return new GateProblem('unknown', `${shown}: ${metricName(ref)} is a ${info.task} metric, but the model is a ${context.task} model`);
  }
  if (ref.kind === 'per_class' && context.classes !== undefined && !context.classes.includes(ref.className)) {
    const suggestion = closestName(ref.className, context.classes);
    return new GateProblem(
      'unknown',
      `${shown}: the model has no class ${JSON.stringify(ref.className)} (classes: ${context.classes.join(', ')})`,
      suggestion && metricName({ ...ref, className: suggestion }),
    );
  }
  return true;
}
