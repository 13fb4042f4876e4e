import type { Command } from 'commander';
import { handle } from '../context.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description(TOP_LEVEL_COMMANDS.init.description)
    .argument('[dir]', 'project directory', '.')
    .addHelpText(
      'after',
      `
With --registry DIR, the registry (an OCI image layout) is created at DIR itself.

Examples:
  $ mlship init
  $ mlship init ~/projects/iris
  $ mlship init --registry /srv/mlship-registry`,
    )
    .action(
      handle(async (context, [dir]) => {
        const { initRegistry } = await import('@mlship/registry');
        const result = context.globals.registry
          ? await initRegistry({ dir: context.globals.registry, layoutOnly: true })
          : await initRegistry({ dir: dir ?? '.' });
        return {
          data: result,
          text: result.created ? `Initialised an mlship registry in ${result.registry}` : `Registry already exists in ${result.registry}`,
        };
      }),
    );
}
