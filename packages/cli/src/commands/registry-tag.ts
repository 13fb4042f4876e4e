import type { Command } from 'commander';
import { defineFlags, ErrorCode, ExitCode, MlshipError } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { ALLOW_FAILED_FLAG } from './shared-flags.js';

const tagFlags = () => defineFlags({ allowFailed: ALLOW_FAILED_FLAG });

export function registerRegistryTag(registry: Command): void {
  const flags = tagFlags();
  const tag = registry
    .command('tag')
    .description('point an alias (production, staging…) at a version; an existing alias moves')
    .argument('<ref>', 'the version, e.g. models/iris:3')
    .argument('<alias>', 'the alias, e.g. production');
  addFlags(tag, flags)
    .addHelpText(
      'after',
      `
A version marked failed is refused (MLSHIP_E_VERSION_FAILED, exit 1) unless --allow-failed.

Examples:
  $ mlship registry tag models/iris:3 production
  $ mlship registry show models/iris@production`,
    )
    .action(
      handle(flags, async (context, [ref, alias], options) => {
        const { tagArtifact } = await import('@mlship/registry');
        const result = await tagArtifact({ registry: await context.registry(), ref: ref!, alias: alias!, ...options });
        const moved = result.previous && result.previous !== result.ref ? ` (was ${result.previous})` : '';
        return { data: result, text: `${result.alias} -> ${result.ref}${moved}` };
      }),
    );

  registry
    .command('untag')
    .description('remove an alias; the version stays')
    .argument('<name@alias>', 'e.g. models/iris@production, or the name followed by the alias')
    .argument('[alias]', 'the alias, when the first argument is a bare name')
    .addHelpText(
      'after',
      `
Examples:
  $ mlship registry untag models/iris@staging
  $ mlship registry untag models/iris staging`,
    )
    .action(
      handle(async (context, [first, second]) => {
        const at = first!.indexOf('@');
        const name = at >= 0 ? first!.slice(0, at) : first!;
        const alias = at >= 0 ? first!.slice(at + 1) : second;
        if (!alias) {
          throw new MlshipError(ErrorCode.usage, 'no alias given', { hint: 'write models/iris@staging', exitCode: ExitCode.usage });
        }
        const { untagArtifact } = await import('@mlship/registry');
        const result = await untagArtifact({ registry: await context.registry(), name, alias });
        return { data: result, text: `removed ${result.alias} (was ${result.ref})` };
      }),
    );
}
