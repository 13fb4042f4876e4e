import { Option, type Command } from 'commander';
import { handle } from '../context.js';

export function registerRegistryLineage(registry: Command): void {
  registry
    .command('lineage')
    .description('print the ancestry tree of a version (what it was made from)')
    .argument('<ref>', 'the version')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'dot', 'mermaid']).default('text'))
    .addHelpText(
      'after',
      `
Examples:
  $ mlship registry lineage models/iris@production
  $ mlship registry lineage models/iris --format dot | dot -Tsvg > lineage.svg
  $ mlship registry lineage models/iris --format mermaid`,
    )
    .action(
      handle<{ format: 'text' | 'dot' | 'mermaid' }>(async (context, [ref], options) => {
        const registryApi = await import('@mlship/registry');
        const tree = await registryApi.buildLineage({ registry: await context.registry(), ref: ref! });
        const render = { text: registryApi.renderLineageText, dot: registryApi.renderLineageDot, mermaid: registryApi.renderLineageMermaid }[
          options.format
        ];
        return { data: tree, text: render(tree) };
      }),
    );
}
