import type { Command } from 'commander';
import { defineFlags, fromFsError, writeFileAtomic } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { table } from '../render.js';
import { DELIMITER_FLAG } from './shared-flags.js';

const profileFlags = () =>
  defineFlags({
    out: { flag: '--out <profile.json>', description: 'write the profile (mergeable JSON) here' },
    delimiter: DELIMITER_FLAG,
  });

export function registerDataProfile(data: Command): void {
  const flags = profileFlags();
  const command = data
    .command('profile')
    .description('profile every column (counts, nulls, moments, quantiles, distinct count, top values, histogram)')
    .argument('<file>', 'CSV, TSV, JSONL or Parquet, optionally gzip-compressed');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Profiles are mergeable sketches: profiles of chunks merge into the profile of the whole, and drift
can be computed from two profiles without the raw data.

Examples:
  $ mlship data profile examples/iris/iris.csv
  $ mlship data profile train.csv.gz --out train-profile.json`,
    )
    .action(
      handle(flags, async (_context, [file], { out, ...read }) => {
        const { profileFile } = await import('@mlship/data');
        const profile = await profileFile({ file: file!, ...read });
        if (out !== undefined) {
          await writeFileAtomic(out, `${JSON.stringify(profile)}\n`).catch((error: unknown) => {
            throw fromFsError(error, out, 'cannot write the profile');
          });
        }
        const fmt = (value: number | null | undefined) => (value === null || value === undefined ? '' : Number(value.toPrecision(6)).toString());
        const rows = Object.entries(profile.columns).map(([name, column]) => [
          name,
          column.kind,
          String(column.nullCount),
          `${column.distinctExact ? '' : '~'}${column.distinctCount}`,
          fmt(column.numeric?.moments.min),
          fmt(column.numeric?.moments.mean),
          fmt(column.numeric?.stdDev),
          fmt(column.numeric?.moments.max),
          column.kind === 'categorical' ? column.topValues.slice(0, 3).map((v) => `${String(v.value)} (${v.count})`).join(', ') : '',
        ]);
        const text = [`${profile.rowCount} rows`, table(['COLUMN', 'KIND', 'NULLS', 'DISTINCT', 'MIN', 'MEAN', 'SD', 'MAX', 'TOP'], rows)];
        if (out !== undefined) text.push(`wrote ${out}`);
        return { data: profile, text: text.join('\n') };
      }),
    );
}
