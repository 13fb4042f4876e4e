import type { Command } from 'commander';
import { defineFlags } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';

const exportFlags = () =>
  defineFlags({
    format: { flag: '--format <format>', description: 'what to write', choices: ['onnx', 'tfjs'], default: 'onnx' },
    out: {
      flag: '--out <path>',
      description: 'onnx: a directory, or a file path ending in .onnx (the signature goes beside it as NAME.signature.json); tfjs: a directory',
      required: true,
    },
  });

export function registerModelExport(model: Command): void {
  const flags = exportFlags();
  const command = model
    .command('export')
    .description("write a stored model's files out, verified: model.onnx + signature.json, or the tfjs model")
    .argument('<ref>', 'the model, e.g. models/iris:1 or models/iris@production');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Each file is checked against its digest while it streams to a temp file beside the target, and
renamed into place only then: a target holds its old content or the verified new one. The tfjs
format (model.json + weights.bin, loadable with tf.loadLayersModel) exists for models trained by
\`mlship train\`, not for imported ONNX models.

Examples:
  $ mlship model export models/iris@production --out dist/
  $ mlship model export models/iris:3 --out dist/iris.onnx
  $ mlship model export models/iris:3 --format tfjs --out web/model/`,
    )
    .action(
      handle(flags, async (context, [ref], options) => {
        const registry = await context.registry();
        const { exportModel } = await import('@mlship/train');
        const result = await exportModel({ registry, ref: ref!, ...options });
        return { data: result, text: result.files.map((file) => file.path).join('\n') };
      }),
    );
}
