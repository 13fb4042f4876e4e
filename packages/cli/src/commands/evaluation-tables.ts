import type { GateReport, GroupMetrics } from '@mlship/train';
import { table } from '../render.js';

/** A metric as the evaluation tables show it: 4 significant digits, '–' when undefined. */
/** Four significant digits; floating-point noise around zero (|x| < 1e-12, e.g. 3.7e-17 for a gap of 0) prints as 0. */
export const formatMetric = (value: number | null | undefined) =>
  value === null || value === undefined ? '–' : Math.abs(value) < 1e-12 ? '0' : Number(value.toPrecision(4)).toString();

/** The group-gap and gate tables that `train` and `model evaluate` print after their summary (each when there is one). */
export function gapAndGateTables(groups: GroupMetrics | null | undefined, gates: GateReport, color: { green(s: string): string; red(s: string): string }): string[] {
  const lines: string[] = [];
  if (groups) {
    const gaps = Object.entries(groups.gaps).map(([metric, gap]) => [metric, formatMetric(gap.gap), gap.highest?.group ?? '', gap.lowest?.group ?? '']);
    lines.push('', `group gaps by ${groups.column}:`, table(['metric', 'gap', 'highest', 'lowest'], gaps));
  }
  if (gates.results.length > 0) {
    const rows = gates.results.map((gate) => [gate.expression, formatMetric(gate.actual), gate.passed ? color.green('pass') : color.red(`FAIL${gate.reason ? ` (${gate.reason})` : ''}`)]);
    lines.push('', table(['gate', 'actual', 'result'], rows));
  }
  return lines;
}
