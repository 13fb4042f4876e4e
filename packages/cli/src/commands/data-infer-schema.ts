import type { Command } from 'commander';
import { writeFileAtomic, fromFsError } from '@mlship/core';
import { handle } from '../context.js';

export function registerDataInferSchema(data: Command): void {
  data
    .command('infer-schema')
    .description('infer an editable schema (types, bounds, categories, nulls, uniqueness) from a data file')
    .argument('<file>', 'CSV, TSV, JSONL or Parquet, optionally gzip-compressed')
    .option('--label <column>', 'the label column (inferred as a category; class balance recorded)')
    .option('--out <schema.yaml>', 'write the schema here instead of printing it')
    .option('--delimiter <char>', 'CSV delimiter, or "auto"')
    .addHelpText(
      'after',
      `
The schema's bounds are those observed, so the file validates against its own schema; edit them
to what your data must satisfy. A text column is a category when it has at most 50 distinct values,
each seen at least 3 times; otherwise a string with length bounds. A column holding personal data
(e-mail addresses, phone, card and ID numbers, IBANs, IP addresses) is marked \`pii: [...]\` and gets
no categories or bounds, so none of its values are copied into the schema. Editors complete the file from packages/data/schemas/data-schema.schema.json.

Examples:
  $ mlship data infer-schema examples/iris/iris.csv --label species --out examples/iris/schema.yaml
  $ mlship data infer-schema events.jsonl.gz --json`,
    )
    .action(
      handle<{ label?: string; out?: string; delimiter?: string }>(async (context, [file], options) => {
        const { describePiiCounts, inferSchemaFromFile, renderSchema } = await import('@mlship/data');
        const inferred = await inferSchemaFromFile({
          file: file!,
          ...(options.label !== undefined ? { label: options.label } : {}),
          ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
        });
        for (const [column, counts] of Object.entries(inferred.pii)) {
          context.reporter.warn(`column "${column}" holds personal data (${describePiiCounts(counts)}): marked pii, no values of it written; training leaves it out`);
        }
        const yaml = renderSchema(inferred.schema);
        if (options.out !== undefined) {
          await writeFileAtomic(options.out, yaml).catch((error: unknown) => {
            throw fromFsError(error, options.out!, 'cannot write the schema');
          });
        }
        const columns = Object.keys(inferred.schema.columns).length;
        return {
          data: { file: inferred.file, rows: inferred.rows, out: options.out ?? null, schema: inferred.schema, pii: inferred.pii },
          text: options.out !== undefined ? `wrote ${options.out}: ${columns} columns from ${inferred.rows} rows` : yaml.trimEnd(),
        };
      }),
    );
}
