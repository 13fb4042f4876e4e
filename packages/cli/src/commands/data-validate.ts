import { Option, type Command } from 'commander';
import { ExitCode, fromFsError, writeFileAtomic } from '@mlship/core';
import { handle } from '../context.js';

export function registerDataValidate(data: Command): void {
  data
    .command('validate')
    .description('check every row and the dataset as a whole against a schema; exit 1 when a check fails')
    .argument('<file>', 'CSV, TSV, JSONL or Parquet, optionally gzip-compressed')
    .requiredOption('--schema <schema.yaml>', 'the schema to check against (see `data infer-schema`)')
    .option('--against <file>', 'report rows also present in this file (train/test leakage)')
    .option('--junit <file.xml>', 'also write a JUnit XML report (one test case per check)')
    .option('--report <file.html>', 'also write a self-contained HTML report')
    .option('--profile-out <profile.json>', 'also write the data profile, computed in the same pass')
    .addOption(new Option('--fail-on <level>', 'the lowest severity that fails the run').choices(['error', 'warning']).default('error'))
    .option('--no-pii', 'skip personal-data detection')
    .option('--delimiter <char>', 'CSV delimiter, or "auto"')
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
      handle<{ schema: string; against?: string; junit?: string; report?: string; profileOut?: string; failOn: 'error' | 'warning'; pii: boolean; delimiter?: string }>(
        async (context, [file], options) => {
          const dataApi = await import('@mlship/data');
          const wantProfile = options.report !== undefined || options.profileOut !== undefined;
          const { profile, ...report } = await dataApi.validateFile({
            file: file!,
            ...(wantProfile ? { profile: true as const } : {}),
            schema: options.schema,
            ...(options.against !== undefined ? { against: options.against } : {}),
            ...(options.pii === false ? { skipPii: true } : {}),
            ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
          });
          const write = async (path: string, content: string) =>
            writeFileAtomic(path, content).catch((error: unknown) => {
              throw fromFsError(error, path, 'cannot write the report');
            });
          if (options.junit !== undefined) await write(options.junit, dataApi.renderJunit(report, file!));
          if (options.profileOut !== undefined && profile) await write(options.profileOut, `${JSON.stringify({ file: file!, ...profile })}\n`);
          if (options.report !== undefined && profile) {
            await write(options.report, dataApi.renderValidationHtml({ report, file: file!, charts: dataApi.chartsOfProfile(profile) }));
          }
          const failed = report.checks.filter((check) => check.status === 'fail');
          const failing = failed.filter((check) => check.severity === 'error' || options.failOn === 'warning');
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
          return { data: report, text: lines.join('\n'), exitCode: failing.length === 0 ? ExitCode.ok : ExitCode.checkFailed };
        },
      ),
    );
}
