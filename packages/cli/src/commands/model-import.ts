import type { Command } from 'commander';
import { ErrorCode, ExitCode, MlshipError, parseArtifactName } from '@mlship/core';
import { collect, handle } from '../context.js';
import { keyValues } from '../render.js';
import { parseLabels } from './registry-put.js';

interface ImportFlags {
  name: string;
  signature?: string;
  labelNames?: string;
  meta: string[];
}

const dims = (shape: Array<number | string | null> | undefined) => (shape ? `[${shape.map((dim) => dim ?? '?').join(', ')}]` : '[?]');

export function registerModelImport(model: Command): void {
  model
    .command('import')
    .description('store an ONNX model trained elsewhere as models/NAME:N, after loading it in ONNX Runtime')
    .argument('<file>', 'the ONNX model file')
    .requiredOption('--name <name>', 'model name (stored as models/NAME:N)')
    .option('--signature <file>', 'a signature.json to store instead of the one read from the graph (checked against it: names, types, ranks)')
    .option('--label-names <a,b,c>', "class names in the order of the first output's last axis; makes the model a classifier for `model evaluate`")
    .option('--meta <key=value>', 'a label to record (repeatable)', collect, [])
    .addHelpText(
      'after',
      `
Each import reads the file's graph, loads it in ONNX Runtime, and stores model.onnx and signature.json
(inputs and outputs with their element types and shapes, symbolic dimensions kept by name; the
format mlship's exporter writes). The metadata records source: imported, the file's digest, its IR
version, opset and producer. A file that is not ONNX, or that ONNX Runtime cannot load, exits 2.

Examples:
  $ mlship model import model.onnx --name churn
  $ mlship model import iris.onnx --name iris-sklearn --label-names setosa,versicolor,virginica
  $ mlship model import resnet.onnx --name resnet --signature signature.json --json`,
    )
    .action(
      handle<ImportFlags>(async (context, [file], options) => {
        const { kind } = parseArtifactName(`models/${options.name}`);
        if (kind !== 'models') throw new MlshipError(ErrorCode.usage, `bad --name "${options.name}"`, { hint: 'give a bare name, e.g. --name iris', exitCode: ExitCode.usage });
        const labelNames = options.labelNames?.split(',').map((name) => name.trim());
        const labels = parseLabels(options.meta);
        const registry = await context.registry();
        const { importModel } = await import('@mlship/train');
        const result = await importModel({
          registry,
          file: file!,
          name: options.name,
          ...(options.signature !== undefined ? { signature: options.signature } : {}),
          ...(labelNames ? { labelNames } : {}),
          ...(Object.keys(labels).length > 0 ? { labels } : {}),
        });
        const { signature } = result;
        const text = [
          `${result.ref} ${result.digest}`,
          keyValues([
            ['source', `${result.source.file} ${result.source.digest}`],
            ['onnx', `IR ${result.onnx.irVersion}, opset ${result.onnx.opset}, producer ${result.onnx.producer.name || '–'} ${result.onnx.producer.version}`.trim()],
            ['inputs', signature.inputs.map((input) => `${input.name}: ${input.dataType} ${dims(input.shape)}`).join(', ')],
            ['outputs', signature.outputs.map((output) => `${output.name}: ${output.dataType} ${dims(output.shape)}`).join(', ')],
            ['labels', signature.labels?.join(', ')],
            ['signature', result.signatureSource === 'file' ? `from ${options.signature}` : 'read from the graph'],
          ]),
        ].join('\n');
        return { data: result, text };
      }),
    );
}
