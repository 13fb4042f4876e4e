import type { Command } from 'commander';
import { defineFlags, parseArtifactName } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { META_FLAG, NEW_VERSION_FLAG } from './shared-flags.js';

const putFlags = () =>
  defineFlags({
    parents: { flag: '--parent <ref>', description: 'an artifact this one derives from (repeatable)', repeatable: true },
    metadataLabels: META_FLAG,
    newVersion: NEW_VERSION_FLAG,
  });

export function registerRegistryPut(registry: Command): void {
  const flags = putFlags();
  const command = registry
    .command('put')
    .description('store files as the next version of an artifact')
    .argument('<kind/name>', 'artifact name, e.g. datasets/iris or models/iris')
    .argument('<file...>', 'files to store (streamed; any size)');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Prints the new version's ref and manifest digest. Versions are numbered 1, 2, 3… per name. When the
latest version of the name holds the same files (names and digests) with the same parents, it is
returned instead (\`reused: true\`, "(unchanged)"), unless --new-version.

Examples:
  $ mlship registry put datasets/iris examples/iris/iris.csv --meta source=uci
  $ mlship registry put models/iris model.onnx signature.json --parent datasets/iris:1`,
    )
    .action(
      handle(flags, async (context, [target, ...files], { newVersion, ...options }) => {
        const { kind, name } = parseArtifactName(target!);
        const { putArtifact } = await import('@mlship/registry');
        const registry = await context.registry();
        const bar = context.reporter.progress(`storing`, 'bytes');
        try {
          const result = await putArtifact({
            registry,
            kind,
            name,
            files: files.map((path) => ({ path })),
            ...options,
            reuse: newVersion !== true,
            onProgress: (event) => bar.update(event.bytes, event.totalBytes),
          });
          bar.stop();
          return { data: result, text: `${result.ref} ${result.digest}${result.reused ? ' (unchanged: the latest version holds the same files)' : ''}` };
        } finally {
          bar.stop();
        }
      }),
    );
}
