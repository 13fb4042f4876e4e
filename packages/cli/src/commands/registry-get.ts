import type { Command } from 'commander';
import { defineFlags } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';

const getFlags = () =>
  defineFlags({
    out: { flag: '--out <dir>', description: 'target directory', default: '.' },
    file: { flag: '--file <name>', description: 'only this file (repeatable)', repeatable: true },
  });

export function registerRegistryGet(registry: Command): void {
  const flags = getFlags();
  const command = registry.command('get').description("write an artifact's files into a directory, verified").argument('<ref>', 'the artifact version');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Each file is checked against its digest before it appears at its path; corrupt bytes are never written.

Examples:
  $ mlship registry get datasets/iris:1 --out data/
  $ mlship registry get models/iris@production --file model.onnx`,
    )
    .action(
      handle(flags, async (context, [ref], options) => {
        const { extractArtifact } = await import('@mlship/registry');
        const result = await extractArtifact({ registry: await context.registry(), ref: ref!, outDir: options.out, files: options.file });
        return { data: result, text: result.files.map((file) => file.path).join('\n') };
      }),
    );
}
