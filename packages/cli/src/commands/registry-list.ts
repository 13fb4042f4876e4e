import type { Command } from 'commander';
import { isArtifactKind, parseRef } from '@mlship/core';
import { handle } from '../context.js';
import { shortDigest, table } from '../render.js';

/** The metrics a model row shows in the table, when a listed model records them (`--json` has every scalar metric). */
const HEADLINE_METRICS = ['accuracy', 'f1_macro', 'r2', 'rmse'] as const;

/** A metric for a table cell: 4 significant digits, no exponent for everyday values. */
function formatMetric(value: number | undefined): string {
  if (value === undefined) return '';
  if (value === 0 || (Math.abs(value) >= 1e-4 && Math.abs(value) < 1e6)) return String(Number(value.toPrecision(4)));
  return value.toExponential(3);
}

export function registerRegistryList(registry: Command): void {
  registry
    .command('list')
    .description('list stored artifact versions')
    .argument('[filter]', 'a kind (models) or a name (models/iris)')
    .addHelpText(
      'after',
      `
Each version's status (failed: a gate or a validation refused it, or it derives from a failed
version) and, for models, the headline metrics (${HEADLINE_METRICS.join(', ')}) where recorded;
--json gives every scalar metric of a model.

Examples:
  $ mlship registry list
  $ mlship registry list models
  $ mlship registry list models/iris --json`,
    )
    .action(
      handle(async (context, [filter]) => {
        const { listArtifacts } = await import('@mlship/registry');
        let options: { kind?: string; name?: string } = {};
        if (filter !== undefined) {
          if (isArtifactKind(filter)) options = { kind: filter };
          else {
            const ref = parseRef(filter);
            options = { kind: ref.kind, name: ref.name };
          }
        }
        const rows = await listArtifacts(await context.registry(), { ...options, details: true });
        const metrics = HEADLINE_METRICS.filter((name) => rows.some((row) => row.metrics?.[name] !== undefined));
        const text =
          rows.length === 0
            ? 'No artifacts stored yet; add one with `mlship registry put`.'
            : table(
                ['REF', 'STATUS', ...metrics.map((name) => name.toUpperCase()), 'DIGEST', 'CREATED', 'ALIASES'],
                rows.map((row) => [
                  row.ref,
                  row.status ?? 'unreadable',
                  ...metrics.map((name) => formatMetric(row.metrics?.[name])),
                  shortDigest(row.digest),
                  row.created?.replace(/\.\d+Z$/, 'Z') ?? '',
                  row.aliases.join(', '),
                ]),
              );
        return { data: { artifacts: rows }, text };
      }),
    );
}
