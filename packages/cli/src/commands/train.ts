import type { Command } from 'commander';
import { defineFlags, ExitCode, numberFlag, usageError } from '@mlship/core';
import type { TrainAndStoreResult } from '@mlship/train';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { formatMetric, gapAndGateTables } from './evaluation-tables.js';
import { keyValues, shortDigest } from '../render.js';
import { artifactName, META_FLAG } from './shared-flags.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';

const trainFlags = () =>
  defineFlags({
    data: {
      flag: '--data <file-or-ref>',
      description: 'training data: a CSV, JSONL or Parquet file, or a stored dataset such as datasets/iris:1 or datasets/iris@production',
      required: true,
    },
    label: { flag: '--label <column>', description: 'label column (overrides the spec; required without one)' },
    seed: {
      flag: '--seed <n>',
      description: 'seed of initialisation, shuffling, dropout and the split (default: the spec, else 42)',
      parse: numberFlag({ integer: true, min: 0, max: 4294967295, example: 42 }),
    },
    epochs: { flag: '--epochs <n>', description: 'epochs (overrides the spec)', parse: numberFlag({ integer: true, min: 1, max: 100000, example: 20 }) },
    backend: { flag: '--backend <name>', description: 'auto, tensorflow, wasm or cpu (default: the spec, else auto)' },
    name: { flag: '--name <name>', description: 'model name (default: the dataset name, or the spec or data file name)', parse: artifactName('models', 'iris') },
    groupBy: { flag: '--group-by <column>', description: 'per-group metrics and gaps on the held-out rows for this column' },
    gates: { flag: '--gate <expr>', description: "a gate, METRIC OP NUMBER, e.g. 'accuracy>=0.95' (repeatable; added to the spec's gates)", repeatable: true },
    compareTo: { flag: '--compare-to <ref>', description: 'a stored model the new one may not be worse than by more than --max-regression' },
    maxRegression: {
      flag: '--max-regression <x>',
      description: 'largest allowed worsening against --compare-to, in the metric units (default 0)',
      parse: numberFlag({ min: 0, example: '0.01' }),
    },
    promote: { flag: '--promote <alias>', description: 'move this alias to the new version when every gate passes' },
    metadataLabels: META_FLAG,
  });

function renderText(result: TrainAndStoreResult, color: { green(s: string): string; red(s: string): string }): string {
  const m = result.metrics;
  const headline =
    result.task.task === 'classification'
      ? `accuracy ${formatMetric(m.accuracy)}, f1_macro ${formatMetric(m.f1_macro)}, log_loss ${formatMetric(m.log_loss)}`
      : `rmse ${formatMetric(m.rmse)}, mae ${formatMetric(m.mae)}, r2 ${formatMetric(m.r2)}`;
  const lines = [
    `${result.ref} ${result.digest}`,
    keyValues([
      ['status', result.status === 'ok' ? color.green('ok') : color.red('failed (gates not met; stored, not promoted)')],
      ['task', `${result.task.task} of ${result.label} (${result.task.reason})`],
      ['data', `${result.dataset.ref ?? result.dataset.file} ${shortDigest(result.dataset.digest)}`],
      ['backend', `${result.backend.name} (${result.backend.reason})`],
      ['epochs', `${result.training.epochs}${result.training.early ? ' (stopped early)' : ''}, ${result.training.split.train} training rows, ${result.training.split.validation} held out`],
      ['held-out', headline],
      ['weights', shortDigest(result.weightsDigest)],
      ['onnx', `opset ${result.onnx.opset}, IR ${result.onnx.irVersion}, max |onnx − tfjs| ${result.onnx.maxAbsError.toExponential(1)}`],
      ['importance', result.importance.features.slice(0, 5).map((f) => `${f.feature} ${formatMetric(f.mean)}`).join(', ')],
      ['promoted', result.promoted ? `${result.promoted.alias} → ${result.promoted.ref}` : undefined],
    ]),
  ];
  lines.push(...gapAndGateTables(result.groups, result.gates, color));
  return lines.join('\n');
}

export function registerTrain(program: Command): void {
  const flags = trainFlags();
  const command = program
    .command('train')
    .description(TOP_LEVEL_COMMANDS.train.description)
    .argument('[spec]', 'train spec (YAML or JSON; schema: packages/train/schemas/train-spec.schema.json)');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Every run trains on the data (from the spec, or a default model for the task the label implies),
evaluates the held-out rows (metrics, per-group gaps with --group-by, permutation importance), exports
model.onnx with the preprocessing folded in and checks it against tfjs, then stores the tfjs model,
model.onnx, signature.json, metrics.json, predictions.json, model-card.md/.json and train-spec.json
as the next models/NAME:N. A dataset ref is recorded as the parent (see \`registry lineage\`).

A failed gate still stores the version, marked failed, and exits 1; --promote moves the alias only
when every gate passes. With --json, epoch events go to stderr as JSON lines and the result to stdout.

Examples:
  $ mlship train --data examples/iris/iris.csv --label species
  $ mlship train examples/iris/train.yaml --data datasets/iris:1 --gate 'accuracy>=0.9' --promote staging
  $ mlship train examples/iris/train.yaml --data datasets/iris --compare-to models/iris@production --max-regression 0.01
  $ mlship train --data adult.csv --label income --group-by sex --gate 'group_gap.accuracy<=0.05' --json`,
    )
    .action(
      handle(flags, async (context, [spec], options) => {
        if (options.maxRegression !== undefined && options.compareTo === undefined) {
          throw usageError('--max-regression needs --compare-to', 'name the baseline, e.g. --compare-to models/iris@production');
        }
        const { reporter } = context;
        const registry = await context.registry();
        const { trainAndStore } = await import('@mlship/train');
        const bar = reporter.progress('training', 'items');
        try {
          const result = await trainAndStore({
            registry,
            ...(spec !== undefined ? { spec } : {}),
            ...options,
            onEpoch: (event) => {
              if (reporter.json) process.stderr.write(`${JSON.stringify({ event: 'epoch', ...event })}\n`);
              else bar.update(event.epoch, event.epochs);
            },
            onStage: (stage) => {
              if (stage !== 'train') bar.stop();
              reporter.debug(`train: ${stage}`);
            },
          });
          bar.stop();
          for (const warning of result.warnings) reporter.warn(warning);
          if (result.status === 'failed') {
            const failed = result.gates.results.filter((gate) => !gate.passed).map((gate) => gate.expression);
            reporter.warn(`${result.ref} failed ${failed.length} gate(s): ${failed.join(', ')}; stored with status failed${options.promote ? `, ${options.promote} not moved` : ''}`);
          }
          // --json prints the result as it is (its fields are named and ordered so), less name and
          // version (in ref) and the training's durations and history.
          const { name: _name, version: _version, ...document } = result;
          const { durations: _durations, history: _history, ...training } = result.training;
          return {
            data: { ...document, training },
            text: renderText(result, reporter.color),
            exitCode: result.status === 'ok' ? ExitCode.ok : ExitCode.checkFailed,
          };
        } finally {
          bar.stop();
        }
      }),
    );
}
