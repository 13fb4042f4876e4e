import type { Command } from 'commander';
import { isArtifactKind, parseRef } from '@mlship/core';
import { handle } from '../context.js';
import { shortDigest, table } from '../render.js';

export function registerRegistryList(registry: Command): void {
  registry
    .command('list')
    .description('list stored artifact versions')
    .argument('[filter]', 'a kind (models) or a name (models/iris)')
    .addHelpText(
      'after',
      `
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
        const rows = await listArtifacts(await context.registry(), options);
        const text =
          rows.length === 0
            ? 'No artifacts stored yet; add one with `mlship registry put`.'
            : table(
                ['REF', 'DIGEST', 'CREATED', 'ALIASES'],
                rows.map((row) => [row.ref, shortDigest(row.digest), row.created?.replace(/\.\d+Z$/, 'Z') ?? '', row.aliases.join(', ')]),
              );
        return { data: { artifacts: rows }, text };
      }),
    );
}
