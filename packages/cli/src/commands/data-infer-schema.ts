import type { Command } from 'commander';
import { defineFlags, numberFlag, writeFileAtomic, fromFsError } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { DELIMITER_FLAG } from './shared-flags.js';

const inferSchemaFlags = () =>
  defineFlags({
    label: { flag: '--label <column>', description: 'the label column (inferred as a category; class balance recorded)' },
    out: { flag: '--out <schema.yaml>', description: 'write the schema here instead of printing it' },
    margin: {
      flag: '--margin <pct>',
      description: 'widen the inferred bounds by this percentage, so data like this file but not it (a test split) validates',
      parse: (value: string, flag: string) => numberFlag({ min: 0, max: 1000, example: '10' })(value, flag) / 100,
    },
    rowCount: { flag: '--no-row-count', description: 'record no row-count range (for a schema other splits or later files must pass)', parse: (rowCount: boolean) => (rowCount ? undefined : false) },
    delimiter: DELIMITER_FLAG,
  });

export function registerDataInferSchema(data: Command): void {
  const flags = inferSchemaFlags();
  const command = data
    .command('infer-schema')
    .description('infer an editable schema (types, bounds, categories, nulls, uniqueness) from a data file')
    .argument('<file>', 'CSV, TSV, JSONL or Parquet, optionally gzip-compressed');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
The schema's bounds are those observed, so the file validates against its own schema; edit them
to what your data must satisfy; --margin 10 widens them by 10% (numeric and date ranges by 10% of
their width on each side, string lengths, null and duplicate shares, the smallest class share), and
--no-row-count leaves the row-count range out, so the schema of a full file also passes its test split.
With --label, class balance is recorded for a category label only (not for a numeric one). A text column is a category when it has at most 50 distinct values,
each seen at least 3 times; otherwise a string with length bounds. A column holding personal data
(e-mail addresses, phone, card and ID numbers, IBANs, IP addresses) is marked \`pii: [...]\` and gets
no categories or bounds, so none of its values are copied into the schema. Editors complete the file from packages/data/schemas/data-schema.schema.json.

Examples:
  $ mlship data infer-schema examples/iris/iris.csv --label species --out examples/iris/schema.yaml
  $ mlship data infer-schema events.jsonl.gz --json
  $ mlship data infer-schema train.csv --label price --margin 10 --no-row-count --out schema.yaml`,
    )
    .action(
      handle(flags, async (context, [file], { out, ...infer }) => {
        const { describePiiCounts, inferSchemaFromFile, renderSchema } = await import('@mlship/data');
        const inferred = await inferSchemaFromFile({ file: file!, ...infer });
        for (const [column, counts] of Object.entries(inferred.pii)) {
          context.reporter.warn(`column "${column}" holds personal data (${describePiiCounts(counts)}): marked pii, no values of it written; training leaves it out`);
        }
        const yaml = renderSchema(inferred.schema);
        if (out !== undefined) {
          await writeFileAtomic(out, yaml).catch((error: unknown) => {
            throw fromFsError(error, out, 'cannot write the schema');
          });
        }
        const columns = Object.keys(inferred.schema.columns).length;
        return {
          data: { file: inferred.file, rows: inferred.rows, out: out ?? null, schema: inferred.schema, pii: inferred.pii },
          text: out !== undefined ? `wrote ${out}: ${columns} columns from ${inferred.rows} rows` : yaml.trimEnd(),
        };
      }),
    );
}
