import type { Command } from 'commander';
import { collect, handle } from '../context.js';

export function registerRegistryGet(registry: Command): void {
  registry
    .command('get')
    .description("write an artifact's files into a directory, verified")
    .argument('<ref>', 'the artifact version')
    .option('--out <dir>', 'target directory', '.')
    .option('--file <name>', 'only this file (repeatable)', collect, [])
    .addHelpText(
      'after',
      `
Each file is checked against its digest before it appears at its path; corrupt bytes are never written.

Examples:
  $ mlship registry get datasets/iris:1 --out data/
  $ mlship registry get models/iris@production --file model.onnx`,
    )
    .action(
      handle<{ out: string; file: string[] }>(async (context, [ref], options) => {
        const { extractArtifact } = await import('@mlship/registry');
        const result = await extractArtifact({ registry: await context.registry(), ref: ref!, outDir: options.out, files: options.file });
        return { data: result, text: result.files.map((file) => file.path).join('\n') };
      }),
    );
}
