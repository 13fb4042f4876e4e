import type { Command } from 'commander';
import { defineFlags, ExitCode, fromFsError, writeFileAtomic } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { DELIMITER_FLAG } from './shared-flags.js';

const validateFlags = () =>
  defineFlags({
    schema: { flag: '--schema <schema.yaml>', description: 'the schema to check against (see `data infer-schema`)', required: true },
    against: { flag: '--against <file>', description: 'report rows also present in this file (train/test leakage)' },
    junit: { flag: '--junit <file.xml>', description: 'also write a JUnit XML report (one test case per check)' },
    report: { flag: '--report <file.html>', description: 'also write a self-contained HTML report' },
    profileOut: { flag: '--profile-out <profile.json>', description: 'also write the data profile, computed in the same pass' },
    failOn: { flag: '--fail-on <level>', description: 'the lowest severity that fails the run', choices: ['error', 'warning'], default: 'error' },
    skipPii: { flag: '--no-pii', description: 'skip personal-data detection', parse: (pii: boolean) => (pii ? undefined : true) },
    delimiter: DELIMITER_FLAG,
  });

export function registerDataValidate(data: Command): void {
  const flags = validateFlags();
  const command = data
    .command('validate')
    .description('check every row and the dataset as a whole against a schema; exit 1 when a check fails')
    .argument('<file>', 'CSV, TSV, JSONL or Parquet, optionally gzip-compressed');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Checks types, nulls, ranges, categories, patterns, uniqueness, duplicate rows, row count, class
balance, leakage (--against) and personal data (e-mails, phones, card numbers, IBANs, IP addresses,
national IDs: warnings with column and count, never the values).

Examples:
  $ mlship data validate data/train.csv --schema schema.yaml
  $ mlship data validate data/test.csv --schema schema.yaml --against data/train.csv --junit data-checks.xml
  $ mlship data validate data.csv --schema schema.yaml --json | jq '.checks[] | select(.status=="fail")'`,
    )
    .action(
      handle(flags, async (context, [file], options) => {
        const { junit, report: reportFile, profileOut, failOn, ...check } = options;
        const dataApi = await import('@mlship/data');
        const wantProfile = reportFile !== undefined || profileOut !== undefined;
        const { profile, ...report } = await dataApi.validateFile({ file: file!, ...(wantProfile ? { profile: true as const } : {}), ...check });
        const write = async (path: string, content: string) =>
          writeFileAtomic(path, content).catch((error: unknown) => {
            throw fromFsError(error, path, 'cannot write the report');
          });
        if (junit !== undefined) await write(junit, dataApi.renderJunit(report, file!));
        if (profileOut !== undefined && profile) await write(profileOut, `${JSON.stringify({ file: file!, ...profile })}\n`);
        if (reportFile !== undefined && profile) {
          await write(reportFile, dataApi.renderValidationHtml({ report, file: file!, charts: dataApi.chartsOfProfile(profile) }));
        }
        const failed = report.checks.filter((check) => check.status === 'fail');
        const failing = failed.filter((check) => check.severity === 'error' || failOn === 'warning');
        const c = context.reporter.color;
        const lines = failed.map((check) => {
          const where = check.column === null ? '' : ` [${check.column}]`;
          const label = check.severity === 'error' ? c.red('FAIL') : c.yellow('WARN');
          const at = check.lines.length > 0 ? ` (lines ${check.lines.join(', ')}${check.count > check.lines.length ? ', …' : ''})` : '';
          return `${label} ${check.check}${where}: ${check.message}${at}`;
        });
        const passed = report.checks.length - failed.length;
        lines.push(
          `${failing.length === 0 ? c.green('PASSED') : c.red('FAILED')}: ${report.rows} rows, ${report.checks.length} checks, ${passed} passed, ${report.errors} error(s), ${report.warnings} warning(s)`,
        );
        const written = { ...(junit !== undefined ? { junit } : {}), ...(reportFile !== undefined ? { report: reportFile } : {}), ...(profileOut !== undefined ? { profile: profileOut } : {}) };
        for (const [what, path] of Object.entries(written)) lines.push(`wrote ${what === 'junit' ? 'the JUnit report' : what === 'report' ? 'the HTML report' : 'the profile'} to ${path}`);
        return { data: { ...report, written }, text: lines.join('\n'), exitCode: failing.length === 0 ? ExitCode.ok : ExitCode.checkFailed };
      }),
    );
}
