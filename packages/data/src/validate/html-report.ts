import type { CheckResult, ValidationReport } from './validate.js';

/** A column's distribution as the report draws it: histogram bins or category bars. */
export interface ColumnChart {
  name: string;
  kind: 'numeric' | 'categorical';
  bars: Array<{ label: string; count: number }>;
  summary: string;
}

const escapeHtml = (text: string) => text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[char]!);

/** At most `max` characters, an ellipsis marking a cut (the full text stays in the bar's tooltip). */
const shorten = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const CHART_WIDTH = 320;
/** Bars with a count above zero are at least this many pixels long, so a single outlier or stray category shows. */
const MIN_BAR = 2;

const barLength = (count: number, max: number, span: number) => (count > 0 ? Math.max(MIN_BAR, Math.round((count / max) * span)) : 0);

function svg(height: number, chart: ColumnChart, body: string): string {
  return `<svg viewBox="0 0 ${CHART_WIDTH} ${height}" width="${CHART_WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(chart.name)} distribution">${body}</svg>`;
}

/** Numeric columns: a histogram, its first and last bin labelled under it. */
function histogram(chart: ColumnChart): string {
  const height = 120;
  const max = Math.max(1, ...chart.bars.map((bar) => bar.count));
  const step = CHART_WIDTH / Math.max(1, chart.bars.length);
  const bars = chart.bars
    .map((bar, i) => {
      const h = barLength(bar.count, max, height - 20);
      return `<rect class="bar" x="${(i * step + 1).toFixed(1)}" y="${height - 14 - h}" width="${Math.max(1, step - 2).toFixed(1)}" height="${h}"><title>${escapeHtml(bar.label)}: ${bar.count}</title></rect>`;
    })
    .join('');
  const first = shorten(chart.bars[0]?.label ?? '', 24);
  const last = shorten(chart.bars.at(-1)?.label ?? '', 24);
  return svg(height, chart, `${bars}<text x="0" y="${height - 2}" font-size="10">${escapeHtml(first)}</text><text x="${CHART_WIDTH}" y="${height - 2}" font-size="10" text-anchor="end">${escapeHtml(last)}</text>`);
}

/**
 * Other columns: one labelled horizontal bar per frequent value, its count after it. Labels start
 * at the left edge and are clipped to their own area (a nested svg) whatever the font's widths.
 */
function frequencies(chart: ColumnChart): string {
  const row = 16;
  const labelWidth = 110;
  const span = CHART_WIDTH - labelWidth - 48;
  const height = chart.bars.length * row;
  const max = Math.max(1, ...chart.bars.map((bar) => bar.count));
  const labels = chart.bars.map((bar, i) => `<text x="0" y="${i * row + 12}" font-size="11">${escapeHtml(shorten(bar.label, 20))}<title>${escapeHtml(bar.label)}</title></text>`).join('');
  const bars = chart.bars
    .map((bar, i) => {
      const w = barLength(bar.count, max, span);
      const y = i * row;
      return `<rect class="bar" x="${labelWidth}" y="${y + 2}" width="${w}" height="${row - 4}"><title>${escapeHtml(bar.label)}: ${bar.count}</title></rect><text x="${labelWidth + w + 4}" y="${y + 12}" font-size="10">${bar.count}</text>`;
    })
    .join('');
  return svg(height, chart, `<svg width="${labelWidth - 6}" height="${height}" overflow="hidden">${labels}</svg>${bars}`);
}

function chartSvg(chart: ColumnChart): string {
  if (chart.bars.length === 0) return svg(24, chart, '<text x="0" y="16" font-size="12">no values</text>');
  return chart.kind === 'numeric' ? histogram(chart) : frequencies(chart);
}

function checkRow(check: CheckResult): string {
  const cls = check.status === 'pass' ? 'pass' : check.severity === 'error' ? 'fail' : 'warn';
  const label = check.status === 'pass' ? 'pass' : check.severity === 'error' ? 'FAIL' : 'warn';
  return `<tr class="${cls}"><td>${label}</td><td>${escapeHtml(check.check)}</td><td>${escapeHtml(check.column ?? '(dataset)')}</td><td>${check.count}</td><td>${escapeHtml(check.message)}</td><td>${check.lines.join(', ')}</td></tr>`;
}

/**
 * A self-contained HTML page (no scripts, no external resources): summary, failed checks first, a
 * chart per column. Its colours are the custom properties on :root (--pass, --fail, --warn for
 * statuses; --numeric, --categorical for chart bars, --bad for the bars and border of a column with
 * a failed error-level check), which the screenshot test reads.
 */
export function renderValidationHtml(options: { report: ValidationReport; file: string; charts: ColumnChart[] }): string {
  const { report, file, charts } = options;
  const ordered = [...report.checks].sort((a, b) => Number(a.status === 'pass') - Number(b.status === 'pass') || Number(a.severity === 'warning') - Number(b.severity === 'warning'));
  const failingColumns = new Set(report.checks.filter((c) => c.status === 'fail' && c.severity === 'error').map((c) => c.column));
  const verdict = report.ok ? 'PASSED' : 'FAILED';
  const cards = charts
    .map((chart) => {
      const classes = [chart.kind, ...(failingColumns.has(chart.name) ? ['bad'] : [])].join(' ');
      return `<figure class="${classes}"><figcaption><b>${escapeHtml(chart.name)}</b> <span>${escapeHtml(chart.summary)}</span></figcaption>${chartSvg(chart)}</figure>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlship data validate: ${escapeHtml(file)}</title>
<style>
:root{--pass:#2e7d32;--fail:#c62828;--warn:#b26a00;--numeric:#4a78b5;--categorical:#5aa469;--bad:#d9534f}
body{font:14px system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px;overflow-wrap:anywhere}.verdict{font-weight:bold;color:var(${report.ok ? '--pass' : '--fail'})}
table{border-collapse:collapse;margin:16px 0;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th,td:nth-child(-n+2),td:nth-child(4){white-space:nowrap}td:nth-child(3),td:nth-child(5),td:nth-child(6){overflow-wrap:anywhere}
tr.fail td:first-child{color:var(--fail);font-weight:bold}tr.warn td:first-child{color:var(--warn);font-weight:bold}tr.pass td:first-child{color:var(--pass)}
.grid{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}figure{margin:0;padding:8px;border:1px solid #ddd;border-radius:6px;width:320px}
figure.bad{border-color:var(--bad)}figure svg{display:block}figure text{fill:#222}
.numeric .bar{fill:var(--numeric)}.categorical .bar{fill:var(--categorical)}figure.bad .bar{fill:var(--bad)}
figcaption{margin-bottom:4px;overflow-wrap:anywhere}figcaption span{color:#666;font-size:12px}
</style></head><body>
<h1>Data validation: ${escapeHtml(file)}</h1>
<p><span class="verdict">${verdict}</span>: ${report.rows} rows, ${report.columns.length} columns, ${report.checks.length} checks, ${report.errors} error(s), ${report.warnings} warning(s).</p>
<h2>Checks</h2>
<table><thead><tr><th>status</th><th>check</th><th>column</th><th>count</th><th>detail</th><th>first lines</th></tr></thead><tbody>
${ordered.map(checkRow).join('\n')}
</tbody></table>
<h2>Columns</h2>
<div class="grid">
${cards}
</div>
</body></html>
`;
}
