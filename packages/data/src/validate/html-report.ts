import type { CheckResult, ValidationReport } from './validate.js';

/** A column's distribution as the report draws it: histogram bins or category bars. */
export interface ColumnChart {
  name: string;
  kind: 'numeric' | 'categorical';
  bars: Array<{ label: string; count: number }>;
  summary: string;
}

const escapeHtml = (text: string) => text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[char]!);

function barChart(chart: ColumnChart, failing: boolean): string {
  const width = 320;
  const height = 120;
  const max = Math.max(1, ...chart.bars.map((bar) => bar.count));
  const step = width / Math.max(1, chart.bars.length);
  const colour = failing ? '#d9534f' : chart.kind === 'numeric' ? '#4a78b5' : '#5aa469';
  const bars = chart.bars
    .map((bar, i) => {
      const h = Math.round((bar.count / max) * (height - 20));
      return `<rect x="${(i * step + 1).toFixed(1)}" y="${height - 14 - h}" width="${Math.max(1, step - 2).toFixed(1)}" height="${h}" fill="${colour}"><title>${escapeHtml(bar.label)}: ${bar.count}</title></rect>`;
    })
    .join('');
  const first = chart.bars[0]?.label ?? '';
  const last = chart.bars.at(-1)?.label ?? '';
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(chart.name)} distribution">${bars}<text x="0" y="${height - 2}" font-size="10">${escapeHtml(first)}</text><text x="${width}" y="${height - 2}" font-size="10" text-anchor="end">${escapeHtml(last)}</text></svg>`;
}

function checkRow(check: CheckResult): string {
  const cls = check.status === 'pass' ? 'pass' : check.severity === 'error' ? 'fail' : 'warn';
  const label = check.status === 'pass' ? 'pass' : check.severity === 'error' ? 'FAIL' : 'warn';
  return `<tr class="${cls}"><td>${label}</td><td>${escapeHtml(check.check)}</td><td>${escapeHtml(check.column ?? '(dataset)')}</td><td>${check.count}</td><td>${escapeHtml(check.message)}</td><td>${check.lines.join(', ')}</td></tr>`;
}

/** A self-contained HTML page (no scripts, no external resources): summary, failed checks first, a chart per column. */
export function renderValidationHtml(options: { report: ValidationReport; file: string; charts: ColumnChart[] }): string {
  const { report, file, charts } = options;
  const ordered = [...report.checks].sort((a, b) => Number(a.status === 'pass') - Number(b.status === 'pass') || Number(a.severity === 'warning') - Number(b.severity === 'warning'));
  const failingColumns = new Set(report.checks.filter((c) => c.status === 'fail' && c.severity === 'error').map((c) => c.column));
  const verdict = report.ok ? 'PASSED' : 'FAILED';
  const cards = charts
    .map(
      (chart) =>
        `<figure class="${failingColumns.has(chart.name) ? 'bad' : ''}"><figcaption><b>${escapeHtml(chart.name)}</b> <span>${escapeHtml(chart.summary)}</span></figcaption>${barChart(chart, failingColumns.has(chart.name))}</figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlship data validate: ${escapeHtml(file)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px;margin:0 0 4px}.verdict{font-weight:bold;color:${report.ok ? '#2e7d32' : '#c62828'}}
table{border-collapse:collapse;margin:16px 0;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
tr.fail td:first-child{color:#c62828;font-weight:bold}tr.warn td:first-child{color:#b26a00;font-weight:bold}tr.pass td:first-child{color:#2e7d32}
.grid{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0;padding:8px;border:1px solid #ddd;border-radius:6px}figure.bad{border-color:#d9534f}
figcaption{margin-bottom:4px}figcaption span{color:#666;font-size:12px}
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
