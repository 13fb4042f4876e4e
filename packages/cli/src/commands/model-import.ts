import type { Command } from 'commander';
import { commaList, defineFlags } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { keyValues } from '../render.js';
import { artifactName, META_FLAG, NEW_VERSION_FLAG } from './shared-flags.js';

const importFlags = () =>
  defineFlags({
    name: { flag: '--name <name>', description: 'model name (stored as models/NAME:N)', required: true, parse: artifactName('models', 'iris') },
    signature: { flag: '--signature <file>', description: 'a signature.json to store instead of the one read from the graph (checked against it: names, types, ranks)' },
    classes: {
      flag: '--label-names <a,b,c>',
      description: "class names in the order of the first output's last axis; makes the model a classifier for `model evaluate`",
      parse: commaList,
    },
    metadataLabels: META_FLAG,
    newVersion: NEW_VERSION_FLAG,
  });

const dims = (shape: Array<number | string | null> | undefined) => (shape ? `[${shape.map((dim) => dim ?? '?').join(', ')}]` : '[?]');

export function registerModelImport(model: Command): void {
  const flags = importFlags();
  const command = model
    .command('import')
    .description('store an ONNX model trained elsewhere as models/NAME:N, after loading it in ONNX Runtime')
    .argument('<file>', 'the ONNX model file');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Each import reads the file's graph, loads it in ONNX Runtime, and stores model.onnx and signature.json
(inputs and outputs with their element types and shapes, symbolic dimensions kept by name; the
format mlship's exporter writes). The metadata records source: imported, the file's digest, its IR
version, opset and producer. A file that is not ONNX, or that ONNX Runtime cannot load, exits 2.
When the latest version of the name holds the same model.onnx and signature.json, it is returned
instead of a new version (\`reused: true\`), unless --new-version.

Examples:
  $ mlship model import model.onnx --name churn
  $ mlship model import iris.onnx --name iris-sklearn --label-names setosa,versicolor,virginica
  $ mlship model import resnet.onnx --name resnet --signature signature.json --json`,
    )
    .action(
      handle(flags, async (context, [file], options) => {
        const registry = await context.registry();
        const { importModel } = await import('@mlship/train');
        const result = await importModel({ registry, file: file!, ...options });
        const { signature } = result;
        const text = [
          `${result.ref} ${result.digest}${result.reused ? ' (unchanged: the latest version holds the same model)' : ''}`,
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
