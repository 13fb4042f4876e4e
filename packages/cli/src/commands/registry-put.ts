import type { Command } from 'commander';
import { ErrorCode, ExitCode, MlshipError, parseArtifactName } from '@mlship/core';
import { collect, handle } from '../context.js';

/** Parses repeated `--meta key=value` flags. */
export function parseLabels(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const key = equals > 0 ? pair.slice(0, equals) : '';
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(key)) {
      throw new MlshipError(ErrorCode.usage, `bad --meta "${pair}"`, {
        hint: 'write --meta key=value, with a key of letters, digits, ".", "_" or "-"',
        exitCode: ExitCode.usage,
      });
    }
    labels[key] = pair.slice(equals + 1);
  }
  return labels;
}

export function registerRegistryPut(registry: Command): void {
  registry
    .command('put')
    .description('store files as the next version of an artifact')
    .argument('<kind/name>', 'artifact name, e.g. datasets/iris or models/iris')
    .argument('<file...>', 'files to store (streamed; any size)')
    .option('--parent <ref>', 'an artifact this one derives from (repeatable)', collect, [])
    .option('--meta <key=value>', 'a label to record (repeatable)', collect, [])
    .addHelpText(
      'after',
      `
Prints the new version's ref and manifest digest. Versions are numbered 1, 2, 3… per name.

Examples:
  $ mlship registry put datasets/iris examples/iris/iris.csv --meta source=uci
  $ mlship registry put models/iris model.onnx signature.json --parent datasets/iris:1`,
    )
    .action(
      handle<{ parent: string[]; meta: string[] }>(async (context, [target, ...files], options) => {
        const { kind, name } = parseArtifactName(target!);
        const labels = parseLabels(options.meta);
        const { putArtifact } = await import('@mlship/registry');
        const registry = await context.registry();
        const bar = context.reporter.progress(`storing`, 'bytes');
        try {
          const result = await putArtifact({
            registry,
            kind,
            name,
            files: files.map((path) => ({ path })),
            parents: options.parent,
            labels,
            onProgress: (event) => bar.update(event.bytes, event.totalBytes),
          });
          bar.stop();
          return { data: result, text: `${result.ref} ${result.digest}` };
        } finally {
          bar.stop();
        }
      }),
    );
}
