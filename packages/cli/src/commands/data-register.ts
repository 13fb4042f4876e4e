import type { Command } from 'commander';
import { ErrorCode, ExitCode, MlshipError, parseArtifactName } from '@mlship/core';
import { collect, handle } from '../context.js';
import { keyValues, shortDigest } from '../render.js';
import { parseLabels } from './registry-put.js';

export function registerDataRegister(data: Command): void {
  data
    .command('register')
    .description('validate, profile and store a dataset as datasets/NAME:N')
    .argument('<file>', 'CSV, TSV, JSONL or Parquet, optionally gzip-compressed')
    .requiredOption('--name <name>', 'dataset name; the new version is datasets/NAME:N')
    .option('--schema <schema.yaml>', 'schema to validate against (default: inferred from the file)')
    .option('--label <column>', 'label column, for an inferred schema (class balance)')
    .option('--allow-invalid', 'store the dataset even when an error-level check fails (marked failed)')
    .option('--keep-pii', 'store the file as it is even when it holds personal data (default: a masked copy)')
    .option('--parent <ref>', 'an artifact this dataset derives from (repeatable)', collect, [])
    .option('--meta <key=value>', 'a label to record (repeatable)', collect, [])
    .option('--delimiter <char>', 'CSV delimiter, or "auto"')
    .addHelpText(
      'after',
      `
Stores four files: the data file itself, schema.yaml, profile.json (what \`data drift\` compares
against) and validation.json. The metadata records rows, columns, the file's digest and the
validation verdict. Data that fails an error-level check is refused (exit 1, nothing stored)
unless --allow-invalid. A file holding personal data (values the PII detectors flag: e-mail
addresses, phone, card and ID numbers, IBANs, IP addresses) is stored as a copy in the same format
with each such value replaced by a placeholder such as <email>, so it never reaches the registry or
a remote it is pushed to; --keep-pii stores the original (recorded in the metadata).

Examples:
  $ mlship data register examples/iris/iris.csv --name iris --schema examples/iris/schema.yaml
  $ mlship data register data/today.csv.gz --name traffic --label churned --meta source=kafka
  $ mlship data drift datasets/iris:1 new.csv`,
    )
    .action(
      handle<{ name: string; schema?: string; label?: string; allowInvalid?: boolean; keepPii?: boolean; parent: string[]; meta: string[]; delimiter?: string }>(
        async (context, [file], options) => {
          const { kind, name } = parseArtifactName(`datasets/${options.name}`);
          if (kind !== 'datasets') throw new MlshipError(ErrorCode.usage, `bad --name "${options.name}"`, { hint: 'give a bare name, e.g. --name iris', exitCode: ExitCode.usage });
          const labels = parseLabels(options.meta);
          const { describePiiCounts, registerDataset } = await import('@mlship/data');
          const registry = await context.registry();
          const bar = context.reporter.progress('storing', 'bytes');
          try {
            const result = await registerDataset({
              registry,
              file: file!,
              name,
              ...(options.schema !== undefined ? { schema: options.schema } : {}),
              ...(options.label !== undefined ? { label: options.label } : {}),
              ...(options.allowInvalid ? { allowInvalid: true } : {}),
              ...(options.keepPii ? { keepPii: true } : {}),
              ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
              parents: options.parent,
              labels,
              onProgress: (event) => bar.update(event.bytes, event.totalBytes),
            });
            bar.stop();
            const { dataset } = result;
            const c = context.reporter.color;
            if (dataset.pii) {
              const found = Object.entries(dataset.pii.columns).map(([column, counts]) => `${column}: ${describePiiCounts(counts)}`).join('; ');
              if (dataset.pii.masked) context.reporter.warn(`personal data found (${found}): stored a masked copy, the values replaced by placeholders`);
              else context.reporter.warn(`personal data found (${found}): stored as it is (--keep-pii)`);
            }
            const text = [
              `${result.ref} ${result.digest}`,
              keyValues([
                ['status', result.status === 'ok' ? c.green('ok') : c.red('failed (stored with --allow-invalid)')],
                ['rows', String(dataset.rows)],
                ['columns', dataset.columns.join(', ')],
                ['file', `${dataset.file} ${shortDigest(dataset.digest)}`],
                ['schema', dataset.schema],
                ['checks', `${dataset.validation.errors} error(s), ${dataset.validation.warnings} warning(s)${dataset.validation.failed.length > 0 ? `: ${dataset.validation.failed.join(', ')}` : ''}`],
              ]),
            ].join('\n');
            return { data: result, text };
          } finally {
            bar.stop();
          }
        },
      ),
    );
}
