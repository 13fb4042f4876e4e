import type { Command } from 'commander';
import { ExitCode, formatBytes } from '@mlship/core';
import { handle } from '../context.js';

export function registerRegistryVerify(registry: Command): void {
  registry
    .command('verify')
    .description('re-hash every blob and check every manifest; exit 1 if anything is corrupt or missing')
    .addHelpText(
      'after',
      `
Examples:
  $ mlship registry verify
  $ mlship registry verify --json | jq '.problems[]'`,
    )
    .action(
      handle(async (context) => {
        const { verifyRegistry } = await import('@mlship/registry');
        const bar = context.reporter.progress('verifying', 'bytes');
        const report = await verifyRegistry({
          registry: await context.registry(),
          onProgress: (event) => bar.update(event.bytes, event.totalBytes),
        });
        bar.stop();
        const summary = `${report.blobsChecked} blobs (${formatBytes(report.bytesChecked)}) and ${report.manifestsChecked} manifests checked`;
        const text = report.ok
          ? `registry OK: ${summary}`
          : [...report.problems.map((problem) => `${problem.problem}: ${problem.message}`), `registry DAMAGED: ${report.problems.length} problem(s); ${summary}`].join('\n');
        return { data: report, text, exitCode: report.ok ? ExitCode.ok : ExitCode.checkFailed };
      }),
    );
}
