import type { Command } from 'commander';
import { defineFlags, formatBytes } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { shortDigest } from '../render.js';

const gcFlags = () =>
  defineFlags({
    dryRun: { flag: '--dry-run', description: 'list what would be removed, remove nothing' },
  });

export function registerRegistryGc(registry: Command): void {
  const flags = gcFlags();
  const command = registry.command('gc').description('remove blobs that no manifest references, and temp files left by crashed writers');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Blobs written by a put still in progress are kept.

Examples:
  $ mlship registry gc --dry-run
  $ mlship registry gc`,
    )
    .action(
      handle(flags, async (context, _args, options) => {
        const { gcRegistry } = await import('@mlship/registry');
        const report = await gcRegistry({ registry: await context.registry(), dryRun: options.dryRun === true });
        const verb = report.dryRun ? 'would remove' : 'removed';
        const lines = report.removed.map((blob) => `${verb} ${shortDigest(blob.digest)} (${formatBytes(blob.size)})`);
        lines.push(`${verb} ${report.removed.length} blob(s), ${formatBytes(report.bytesFreed)}, and ${report.tempFilesRemoved} temp file(s)`);
        if (report.keptForWriters > 0) lines.push(`kept ${report.keptForWriters} unreferenced blob(s) of puts in progress`);
        return { data: report, text: lines.join('\n') };
      }),
    );
}
