import type { Command } from 'commander';
import { defineFlags, numberFlag } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { table } from '../render.js';

const GC_NOTE = 'blobs stay until `mlship registry gc` removes those no version uses';

const rmFlags = () =>
  defineFlags({
    force: { flag: '--force', description: 'also remove a version an alias names (with its aliases) or another version derives from' },
  });

const pruneFlags = () =>
  defineFlags({
    keepLast: { flag: '--keep-last <n>', description: 'how many of the newest versions to keep', required: true, parse: numberFlag({ integer: true, min: 1, max: 2147483647, example: 5 }) },
    dryRun: { flag: '--dry-run', description: 'list what would be removed, remove nothing' },
  });

export function registerRegistryRemove(registry: Command): void {
  const flags = rmFlags();
  const rm = registry
    .command('rm')
    .description('remove versions from the registry index (gc then reclaims their blobs)')
    .argument('<ref...>', 'the versions, e.g. models/iris:3 (a number, alias or digest; not a bare name)');
  addFlags(rm, flags)
    .addHelpText(
      'after',
      `
The versions leave index.json in one atomic rewrite under the registry lock, all or none; their
blobs stay until \`mlship registry gc\`. A version an alias names or another version records as its
lineage parent is refused (MLSHIP_E_VERSION_IN_USE, exit 2) unless --force, which removes its
aliases too and leaves the children's lineage pointing at a missing parent. A removed number is
never given to a new version.

Examples:
  $ mlship registry rm models/iris:3
  $ mlship registry rm datasets/iris:1 datasets/iris:2 && mlship registry gc
  $ mlship registry rm models/iris@staging --force`,
    )
    .action(
      handle(flags, async (context, refs, options) => {
        const { removeVersions } = await import('@mlship/registry');
        const result = await removeVersions({ registry: await context.registry(), refs, ...options });
        const lines = result.removed.map((ref) => `removed ${ref}`);
        for (const alias of result.aliases) lines.push(`removed alias ${alias}`);
        for (const child of result.orphaned) lines.push(`${child.ref} keeps ${child.parent} as a parent that is gone`);
        lines.push(GC_NOTE);
        return { data: { ...result, blobs: 'kept until `mlship registry gc`' }, text: lines.join('\n') };
      }),
    );

  const prune = registry
    .command('prune')
    .description('remove all but the newest versions of a name, keeping aliased and parent versions')
    .argument('<kind/name>', 'e.g. models/iris');
  const pruneTable = pruneFlags();
  addFlags(prune, pruneTable)
    .addHelpText(
      'after',
      `
Keeps the --keep-last newest versions, every version an alias names, and every version another
version (of any name) derives from; removes the rest from the index, as \`registry rm\` does. Their
blobs stay until \`mlship registry gc\`.

Examples:
  $ mlship registry prune models/iris --keep-last 5 --dry-run
  $ mlship registry prune datasets/traffic --keep-last 10 && mlship registry gc`,
    )
    .action(
      handle(pruneTable, async (context, [name], options) => {
        const { pruneVersions } = await import('@mlship/registry');
        const result = await pruneVersions({ registry: await context.registry(), name: name!, ...options });
        const verb = result.dryRun ? 'would remove' : 'removed';
        const why = (item: (typeof result.kept)[number]) =>
          item.reason === 'recent' ? 'among the newest' : item.reason === 'aliased' ? `named by ${item.aliases!.join(', ')}` : `parent of ${item.children!.join(', ')}`;
        const lines = [
          result.removed.length === 0 ? `nothing to remove in ${result.name}` : result.removed.map((ref) => `${verb} ${ref}`).join('\n'),
          table(['KEPT', 'WHY'], result.kept.map((item) => [item.ref, why(item)])),
        ];
        if (!result.dryRun && result.removed.length > 0) lines.push(GC_NOTE);
        return { data: result, text: lines.join('\n') };
      }),
    );
}
