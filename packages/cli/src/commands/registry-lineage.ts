import type { Command } from 'commander';
import { defineFlags } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';

const lineageFlags = () =>
  defineFlags({
    format: { flag: '--format <format>', description: 'output format', choices: ['text', 'dot', 'mermaid'], default: 'text' },
  });

export function registerRegistryLineage(registry: Command): void {
  const flags = lineageFlags();
  const command = registry.command('lineage').description('print the ancestry tree of a version (what it was made from)').argument('<ref>', 'the version');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Examples:
  $ mlship registry lineage models/iris@production
  $ mlship registry lineage models/iris --format dot | dot -Tsvg > lineage.svg
  $ mlship registry lineage models/iris --format mermaid`,
    )
    .action(
      handle(flags, async (context, [ref], options) => {
        const registryApi = await import('@mlship/registry');
        const tree = await registryApi.buildLineage({ registry: await context.registry(), ref: ref! });
        const render = { text: registryApi.renderLineageText, dot: registryApi.renderLineageDot, mermaid: registryApi.renderLineageMermaid }[
          options.format
        ];
        return { data: tree, text: render(tree) };
      }),
    );
}
