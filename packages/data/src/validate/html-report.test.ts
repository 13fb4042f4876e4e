import { renderValidationHtml, type ColumnChart } from './html-report.js';
import type { ValidationReport } from './validate.js';

const report: ValidationReport = { rows: 3, columns: ['a'], ok: true, errors: 0, warnings: 0, checks: [] };
const page = (charts: ColumnChart[]) => renderValidationHtml({ report, file: 'f.csv', charts });

describe('renderValidationHtml charts', () => {
  it('draws a bar for every value seen, however rare beside the largest', () => {
    const html = page([{ name: 'n', kind: 'numeric', summary: '', bars: [{ label: '0–1', count: 1_000_000 }, { label: '1–2', count: 0 }, { label: '98–99', count: 1 }] }]);
    const heights = [...html.matchAll(/<rect class="bar"[^>]* height="(\d+)"/g)].map((m) => Number(m[1]));
    expect(heights).toEqual([100, 0, 2]);
  });

  it('labels every category, escaped and shortened, with its full text and count in the tooltip', () => {
    const long = `<b>${'x'.repeat(40)}`;
    const html = page([{ name: 'c', kind: 'categorical', summary: '', bars: [{ label: long, count: 3 }, { label: 'b', count: 1 }] }]);
    expect(html).toContain(`&lt;b&gt;${'x'.repeat(16)}…<title>&lt;b&gt;`);
    expect(html).toContain(`<title>&lt;b&gt;${'x'.repeat(40)}: 3</title>`);
    expect(html).toMatch(/>b<title>b<\/title><\/text>/);
    expect(html).not.toContain('<b>x');
  });

  it('says when a column has nothing to draw', () => {
    expect(page([{ name: 'e', kind: 'numeric', summary: 'no numbers', bars: [] }])).toContain('>no values</text>');
  });
});
