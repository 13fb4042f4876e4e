/** The side-by-side report of a compression: what it is, how it is computed, and its Markdown. */
import type { LatencyFigures, ModelSize } from './measure/index.js';

export const REPORT_FORMAT = 'mlship.compression-report.v1';

export interface ModelFigures extends ModelSize {
  /** Scalar metrics on the evaluation rows (accuracy, f1_macro, …; rmse, r2, … for regression). */
  metrics: Record<string, number>;
  latency: LatencyFigures;
}

export interface GateResult {
  /** accuracy (classification) or r2 (regression). */
  metric: string;
  before: number;
  after: number;
  /** before − after: positive is a loss. */
  drop: number;
  maxDrop: number;
  /** Output values of the compressed model that are NaN or infinite (float16 overflow): any fails the gate. */
  nonFiniteOutputs: number;
  passed: boolean;
}

export interface CompressionReport {
  format: typeof REPORT_FORMAT;
  method: string;
  source: string;
  evaluation: { rows: number; description: string };
  before: ModelFigures;
  after: ModelFigures;
  /** before / after: above 1 is smaller or faster. */
  ratios: { bytes: number; gzipBytes: number; parameters: number; nonzeroParameters: number; batch1Latency: number; batch64Latency: number };
  /** Classification: the share of rows whose predicted class is unchanged; null for regression. */
  agreement: number | null;
  /** The largest |after − before| over every output value of every row. */
  maxAbsDifference: number;
  gate: GateResult;
  details: Record<string, unknown>;
}

const ratio = (before: number, after: number): number => (after === 0 ? Number.POSITIVE_INFINITY : before / after);

export function buildReport(facts: Omit<CompressionReport, 'format' | 'ratios'>): CompressionReport {
  const { before, after } = facts;
  return {
    format: REPORT_FORMAT,
    ...facts,
    ratios: {
      bytes: ratio(before.bytes, after.bytes),
      gzipBytes: ratio(before.gzipBytes, after.gzipBytes),
      parameters: ratio(before.parameters, after.parameters),
      nonzeroParameters: ratio(before.nonzeroParameters, after.nonzeroParameters),
      batch1Latency: ratio(before.latency.batch1.medianUs, after.latency.batch1.medianUs),
      batch64Latency: ratio(before.latency.batch64.medianUs, after.latency.batch64.medianUs),
    },
  };
}

/** The gate: the metric may drop by at most `maxDrop` (absolute), and every output must be a finite number. */
export function judgeGate(metric: string, before: number, after: number, maxDrop: number, nonFiniteOutputs = 0): GateResult {
  const drop = before - after;
  return { metric, before, after, drop, maxDrop, nonFiniteOutputs, passed: Number.isFinite(after) && drop <= maxDrop + 1e-12 && nonFiniteOutputs === 0 };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));
const times = (value: number) => `${fixed(value, 2)}×`;
/** A before/after ratio in words: "3.49× smaller", or "1.97× larger" when it went the other way. */
const change = (value: number, better: string, worse: string) => {
  if (Math.abs(value - 1) < 0.005) return 'same';
  return value >= 1 ? `${times(value)} ${better}` : `${times(1 / value)} ${worse}`;
};

/** Rows of the side-by-side table: label, before, after, change. */
export function reportRows(report: CompressionReport): Array<[string, string, string, string]> {
  const { before, after, ratios, gate } = report;
  const metric = (value: number | undefined) => (value === undefined ? '—' : fixed(value, 4));
  return [
    ['file size', kb(before.bytes), kb(after.bytes), change(ratios.bytes, 'smaller', 'larger')],
    ['gzip size', kb(before.gzipBytes), kb(after.gzipBytes), change(ratios.gzipBytes, 'smaller', 'larger')],
    ['parameters', String(before.parameters), String(after.parameters), change(ratios.parameters, 'fewer', 'more')],
    ['non-zero parameters', String(before.nonzeroParameters), String(after.nonzeroParameters), change(ratios.nonzeroParameters, 'fewer', 'more')],
    [gate.metric, metric(gate.before), metric(gate.after), Math.abs(gate.drop) < 0.00005 ? 'same' : `${gate.drop > 0 ? '−' : '+'}${fixed(Math.abs(gate.drop) * 100, 2)} points`],
    ['latency batch 1 (median)', `${fixed(before.latency.batch1.medianUs, 1)} µs`, `${fixed(after.latency.batch1.medianUs, 1)} µs`, change(ratios.batch1Latency, 'faster', 'slower')],
    ['latency batch 64 (median)', `${fixed(before.latency.batch64.medianUs, 1)} µs`, `${fixed(after.latency.batch64.medianUs, 1)} µs`, change(ratios.batch64Latency, 'faster', 'slower')],
    ['throughput batch 64', `${Math.round(before.latency.batch64.rowsPerSecond)} rows/s`, `${Math.round(after.latency.batch64.rowsPerSecond)} rows/s`, ''],
  ];
}

export function renderReportMarkdown(report: CompressionReport, ref: string): string {
  const lines = [
    `# Compression report: ${ref}`,
    '',
    `Method **${report.method}** applied to \`${report.source}\`. Evaluated on ${report.evaluation.description}.`,
    '',
    '| | before | after | change |',
    '|---|---|---|---|',
    ...reportRows(report).map((row) => `| ${row.join(' | ')} |`),
    '',
    `Gate: ${report.gate.metric} may drop by at most ${fixed(report.gate.maxDrop * 100, 2)} points: **${report.gate.passed ? 'passed' : 'failed'}**.`,
    report.gate.nonFiniteOutputs > 0 ? `**${report.gate.nonFiniteOutputs} output values are NaN or infinite.**` : '',
    report.agreement === null ? '' : `Predicted class unchanged on ${fixed(report.agreement * 100, 2)}% of the rows; largest output difference ${report.maxAbsDifference.toExponential(2)}.`,
    '',
    'Latency: ONNX Runtime on CPU, one thread, median per call; batch 64 is one call on 64 rows.',
    '',
    '## Details',
    '',
    '```json',
    JSON.stringify(report.details, null, 2),
    '```',
    '',
  ];
  return lines.join('\n');
}

/** A few method facts worth a line in the printed report (label, value): per-layer sparsity, the student, the calibration, the weights' forms. */
export function reportHighlights(report: CompressionReport): Array<[string, string]> {
  const details = report.details as {
    layers?: Array<{ layer: string; sparsity: number }>;
    student?: unknown;
    parameters?: { teacher: number; student: number };
    calibration?: { method: string; rows: number };
    weights?: Array<{ form?: string }>;
    format?: string;
  };
  const lines: Array<[string, string]> = [];
  if (details.layers) lines.push(['sparsity', details.layers.map((layer) => `${layer.layer} ${fixed(layer.sparsity, 3)}`).join(', ')]);
  if (details.parameters) lines.push(['student', `${JSON.stringify(details.student)}: ${details.parameters.student} parameters, teacher ${details.parameters.teacher}`]);
  if (details.calibration) lines.push(['calibration', `${details.format ?? 'qdq'}, ${details.calibration.method} on ${details.calibration.rows} rows`]);
  if (details.weights && details.weights.length > 0) {
    const forms = new Map<string, number>();
    for (const weight of details.weights) forms.set(weight.form ?? '?', (forms.get(weight.form ?? '?') ?? 0) + 1);
    lines.push(['weights', [...forms].map(([form, count]) => `${count} ${form}`).join(', ')]);
  }
  return lines;
}
