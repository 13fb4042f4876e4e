import type { ValidationReport } from './validate.js';

const escapeXml = (text: string) =>
  text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char]!);

/** JUnit XML with one test case per check, so CI systems show data checks beside unit tests. */
export function renderJunit(report: ValidationReport, suiteName: string): string {
  const failures = report.checks.filter((c) => c.status === 'fail' && c.severity === 'error').length;
  const warnings = report.checks.filter((c) => c.status === 'fail' && c.severity === 'warning').length;
  const cases = report.checks.map((check) => {
    const name = escapeXml(check.column === null ? check.check : `${check.check}[${check.column}]`);
    const open = `    <testcase classname="${escapeXml(suiteName)}" name="${name}">`;
    const detail = escapeXml(`${check.message}${check.lines.length ? ` (first lines: ${check.lines.join(', ')})` : ''}`);
    if (check.status === 'pass') return `${open}</testcase>`;
    if (check.severity === 'warning') return `${open}\n      <system-out>warning: ${detail}</system-out>\n    </testcase>`;
    return `${open}\n      <failure type="${escapeXml(check.check)}" message="${detail}">${detail}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mlship data validate" tests="${report.checks.length}" failures="${failures}">`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${report.checks.length}" failures="${failures}" errors="0" skipped="0">`,
    `    <properties><property name="rows" value="${report.rows}"/><property name="warnings" value="${warnings}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
