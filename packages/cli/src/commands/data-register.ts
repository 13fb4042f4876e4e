import type { Command } from 'commander';
import { defineFlags } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { keyValues, shortDigest } from '../render.js';
import { artifactName, DELIMITER_FLAG, META_FLAG, NEW_VERSION_FLAG } from './shared-flags.js';

const registerFlags = () =>
  defineFlags({
    name: { flag: '--name <name>', description: 'dataset name; the new version is datasets/NAME:N', required: true, parse: artifactName('datasets', 'iris') },
    schema: { flag: '--schema <schema.yaml>', description: 'schema to validate against (default: inferred from the file)' },
    label: { flag: '--label <column>', description: 'label column, for an inferred schema (class balance)' },
    allowInvalid: { flag: '--allow-invalid', description: 'store the dataset even when an error-level check fails (marked failed)' },
    keepPii: { flag: '--keep-pii', description: 'store the file as it is even when it holds personal data (default: a masked copy)' },
    parents: { flag: '--parent <ref>', description: 'an artifact this dataset derives from (repeatable)', repeatable: true },
    metadataLabels: META_FLAG,
    newVersion: NEW_VERSION_FLAG,
    delimiter: DELIMITER_FLAG,
  });

export function registerDataRegister(data: Command): void {
  const flags = registerFlags();
  const command = data
    .command('register')
    .description('validate, profile and store a dataset as datasets/NAME:N')
    .argument('<file>', 'CSV, TSV, JSONL or Parquet, optionally gzip-compressed');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Stores four files: the data file itself, schema.yaml, profile.json (what \`data drift\` compares
against) and validation.json. The metadata records rows, columns, the file's digest and the
validation verdict. Data that fails an error-level check is refused (exit 1, nothing stored)
unless --allow-invalid. A file holding personal data (values the PII detectors flag: e-mail
addresses, phone, card and ID numbers, IBANs, IP addresses) is stored as a copy in the same format
with each such value replaced by a placeholder such as <email>, so it never reaches the registry or
a remote it is pushed to; --keep-pii stores the original (recorded in the metadata). When the latest
version of the name holds the same data file and schema, with the same parents and status, it is
returned instead of a new version (\`reused: true\`), unless --new-version.

Examples:
  $ mlship data register examples/iris/iris.csv --name iris --schema examples/iris/schema.yaml
  $ mlship data register data/today.csv.gz --name traffic --label churned --meta source=kafka
  $ mlship data drift datasets/iris:1 new.csv`,
    )
    .action(
      handle(flags, async (context, [file], options) => {
        const { describePiiCounts, registerDataset } = await import('@mlship/data');
        const registry = await context.registry();
        const bar = context.reporter.progress('storing', 'bytes');
        try {
          const result = await registerDataset({ registry, file: file!, ...options, onProgress: (event) => bar.update(event.bytes, event.totalBytes) });
          bar.stop();
          const { dataset } = result;
          const c = context.reporter.color;
          if (dataset.pii) {
            const found = Object.entries(dataset.pii.columns).map(([column, counts]) => `${column}: ${describePiiCounts(counts)}`).join('; ');
            if (dataset.pii.masked) context.reporter.warn(`personal data found (${found}): stored a masked copy, the values replaced by placeholders`);
            else context.reporter.warn(`personal data found (${found}): stored as it is (--keep-pii)`);
          }
          const text = [
            `${result.ref} ${result.digest}${result.reused ? ' (unchanged: the latest version holds the same data and schema)' : ''}`,
            keyValues([
              ['status', result.status === 'ok' ? c.green('ok') : c.red(result.dataset.validation.ok ? 'failed (derived from a failed version)' : 'failed (stored with --allow-invalid)')],
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
      }),
    );
}
