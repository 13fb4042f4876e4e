import type { Command } from 'commander';
import { defineFlags, ExitCode, numberFlag, parseNumber, usageError as usage } from '@mlship/core';
import type { ColumnDriftReport, DriftMethod, ProfileSource } from '@mlship/data';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { table } from '../render.js';
import { DELIMITER_FLAG } from './shared-flags.js';

const METHODS: readonly DriftMethod[] = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi'];

/** Parses repeated `[COLUMN=]VALUE` flags into a per-column map; a bare VALUE sets the default (`*`). */
export function perColumnFlags<T>(flag: string, pairs: string[], parse: (value: string, pair: string) => T): Record<string, T> {
  const map: Record<string, T> = {};
  for (const pair of pairs) {
    const equals = pair.lastIndexOf('=');
    const column = equals < 0 ? '*' : pair.slice(0, equals);
    if (column === '') throw usage(`bad ${flag} "${pair}"`, `write ${flag} VALUE or ${flag} COLUMN=VALUE`);
    map[column] = parse(equals < 0 ? pair : pair.slice(equals + 1), pair);
  }
  return map;
}

function parseMethod(value: string, pair: string): DriftMethod {
  if (!(METHODS as readonly string[]).includes(value)) throw usage(`unknown drift method in --method "${pair}"`, `methods: ${METHODS.join(', ')}`);
  return value as DriftMethod;
}

function parseThreshold(value: string, pair: string): number {
  return parseNumber(value, '--threshold', { min: 0, message: () => `bad --threshold "${pair}"`, hint: 'a threshold is a number ≥ 0, e.g. --threshold 0.1 or --threshold age=0.2' });
}

const listOf = (text: string) => text.split(',').map((name) => name.trim()).filter((name) => name !== '');

const driftFlags = () =>
  defineFlags({
    methods: {
      flag: '--method <[column=]method>',
      description: `test for a column, or for all (repeatable): ${METHODS.join(', ')}`,
      repeatable: true,
      parse: (pairs: string[], flag: string) => perColumnFlags(flag, pairs, parseMethod),
    },
    thresholds: {
      flag: '--threshold <[column=]value>',
      description: 'drift threshold for a column, or for all (repeatable)',
      repeatable: true,
      parse: (pairs: string[], flag: string) => perColumnFlags(flag, pairs, parseThreshold),
    },
    columns: { flag: '--columns <list>', description: 'compare only these columns (comma-separated)', parse: listOf },
    exclude: { flag: '--exclude <list>', description: 'leave these columns out (comma-separated)', parse: listOf },
    share: {
      flag: '--drift-share <share>',
      description: 'dataset drift when at least this share of columns drifts',
      default: '0.5',
      parse: numberFlag({ above: 0, max: 1, message: (value, flag) => `bad ${flag} "${value}"`, hint: 'a share is a number in (0, 1], e.g. 0.5' }),
    },
    failOn: { flag: '--fail-on <what>', description: 'exit 1 when this drifts', choices: ['dataset', 'column', 'never'], default: 'dataset' },
    delimiter: DELIMITER_FLAG,
  });

const formatScore = (value: number | null) => (value === null ? 'n/a' : value === 0 || Math.abs(value) >= 1e-3 ? value.toFixed(4) : value.toExponential(2));

function describe(source: ProfileSource): string {
  return source.type === 'dataset' ? `${source.name} (stored profile)` : source.type === 'profile' ? `${source.name} (profile)` : source.name;
}

export function registerDataDrift(data: Command): void {
  const flags = driftFlags();
  const command = data
    .command('drift')
    .description('per-column and dataset drift between a reference and current data (files, profiles or datasets)')
    .argument('<reference>', 'data file, profile JSON (`data profile --out`) or dataset ref (datasets/NAME[:N|@alias])')
    .argument('<current>', 'data file, profile JSON or dataset ref');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Default tests are Evidently's: with a reference of at most 1,000 rows, KS (drift when p ≤ 0.05)
for numeric columns with more than 5 distinct values, chi-squared (p < 0.05) for categorical ones,
a Z-test for binary ones; with larger references, the Wasserstein distance over the reference's
standard deviation (≥ 0.1) for numeric columns and the Jensen-Shannon distance (≥ 0.1) otherwise.
PSI is reported beside every test. The raw score is always in the output.

Everything works from profiles: data files are profiled on the fly (one streaming pass each), so
live traffic can be compared with a stored training profile without the training data.

Examples:
  $ mlship data drift train.csv today.csv
  $ mlship data drift datasets/iris@production live-profile.json --json
  $ mlship data drift ref.parquet cur.parquet --method psi --threshold age=0.2 --exclude id`,
    )
    .action(
      handle(flags, async (context, [referenceArg, currentArg], options) => {
        const { failOn, delimiter, ...drift } = options;
        const { loadProfileSource, driftOfProfiles } = await import('@mlship/data');
        const sourceOptions = { read: { delimiter }, registry: () => context.registry() };
        const reference = await loadProfileSource(referenceArg!, sourceOptions);
        const current = await loadProfileSource(currentArg!, sourceOptions);
        const report = driftOfProfiles(reference.profile, current.profile, drift);
        const strip = ({ profile: _profile, ...rest }: ProfileSource) => rest;
        const data = { reference: strip(reference), current: strip(current), ...report };
        const c = context.reporter.color;
        const verdict = (column: ColumnDriftReport) => (column.score === null ? c.yellow('untested') : column.drifted ? c.red('DRIFT') : c.green('ok'));
        const rows = report.columns.map((column) => [
          column.column,
          column.method,
          formatScore(column.score),
          String(column.threshold),
          formatScore(column.psi),
          `${verdict(column)}${column.exact ? '' : ' ~'}`,
        ]);
        const { dataset } = report;
        const lines = [
          `reference: ${describe(reference)}, ${report.referenceRows} rows; current: ${describe(current)}, ${report.currentRows} rows`,
          table(['COLUMN', 'METHOD', 'SCORE', 'THRESHOLD', 'PSI', 'VERDICT'], rows),
        ];
        for (const { column, reason } of report.skipped) lines.push(c.dim(`skipped ${column}: ${reason}`));
        if (report.columns.some((column) => !column.exact)) lines.push(c.dim('~ estimated from sketches (large data)'));
        const fails = failOn === 'dataset' ? dataset.drifted : failOn === 'column' ? dataset.driftedColumns.length > 0 : false;
        // The verdict names what failed the run: with --fail-on column, a drifted column does even when the dataset does not.
        const headline = dataset.drifted ? c.red('DATASET DRIFT') : fails ? c.red('COLUMN DRIFT (--fail-on column), NO DATASET DRIFT') : c.green('NO DATASET DRIFT');
        lines.push(`${headline}: ${dataset.driftedColumns.length} of ${dataset.columnCount} columns drifted (share ${dataset.driftedShare.toFixed(2)}, threshold ${dataset.share})`);
        return { data, text: lines.join('\n'), exitCode: fails ? ExitCode.checkFailed : ExitCode.ok };
      }),
    );
}
