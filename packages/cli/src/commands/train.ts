import type { Command } from 'commander';
import { defineFlags, ExitCode, numberFlag, usageError } from '@mlship/core';
import type { TrainAndStoreResult } from '@mlship/train';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { formatMetric, gapAndGateTables } from './evaluation-tables.js';
import { keyValues, shortDigest } from '../render.js';
import { artifactName, META_FLAG, NEW_VERSION_FLAG } from './shared-flags.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';

const trainFlags = () =>
  defineFlags({
    data: {
      flag: '--data <file-or-ref>',
      description: 'training data: a CSV, JSONL or Parquet file, or a stored dataset such as datasets/iris:1 or datasets/iris@production',
      required: true,
    },
    label: { flag: '--label <column>', description: 'label column (overrides the spec; required without one)' },
    task: {
      flag: '--task <task>',
      description: 'classification or regression (overrides the spec; default: inferred from the label, and the reason printed)',
      choices: ['classification', 'regression'],
    },
    seed: {
      flag: '--seed <n>',
      description: 'seed of initialisation, shuffling, dropout and the split (default: the spec, else 42)',
      parse: numberFlag({ integer: true, min: 0, max: 4294967295, example: 42 }),
    },
    epochs: { flag: '--epochs <n>', description: 'epochs (overrides the spec)', parse: numberFlag({ integer: true, min: 1, max: 100000, example: 20 }) },
    backend: { flag: '--backend <name>', description: 'auto, tensorflow, wasm or cpu (default: the spec, else auto)' },
    name: { flag: '--name <name>', description: 'model name (default: the dataset name, or the spec or data file name)', parse: artifactName('models', 'iris') },
    groupBy: { flag: '--group-by <column>', description: 'per-group metrics and gaps on the test rows for this column' },
    gates: { flag: '--gate <expr>', description: "a gate, METRIC OP NUMBER, e.g. 'accuracy>=0.95' (repeatable; added to the spec's gates)", repeatable: true },
    compareTo: { flag: '--compare-to <ref>', description: 'a stored model the new one may not be worse than by more than --max-regression' },
    maxRegression: {
      flag: '--max-regression <x>',
      description: 'largest allowed worsening against --compare-to, in the metric units (default 0)',
      parse: numberFlag({ min: 0, example: '0.01' }),
    },
    promote: { flag: '--promote <alias>', description: 'move this alias to the new version when every gate passes' },
    metadataLabels: META_FLAG,
    newVersion: NEW_VERSION_FLAG,
  });

function renderText(result: TrainAndStoreResult, color: { green(s: string): string; red(s: string): string }): string {
  const m = result.metrics;
  const headline =
    result.task.task === 'classification'
      ? `accuracy ${formatMetric(m.accuracy)}, f1_macro ${formatMetric(m.f1_macro)}, log_loss ${formatMetric(m.log_loss)}`
      : `rmse ${formatMetric(m.rmse)}, mae ${formatMetric(m.mae)}, r2 ${formatMetric(m.r2)}`;
  const lines = [
    `${result.ref} ${result.digest}${result.reused ? ' (unchanged: the latest version holds the same model)' : ''}`,
    keyValues([
      [
        'status',
        result.status === 'ok'
          ? color.green('ok')
          : color.red(result.gates.passed ? 'failed (its data is marked failed; stored, not promoted)' : 'failed (gates not met; stored, not promoted)'),
      ],
      ['task', `${result.task.task} of ${result.label} (${result.task.reason})`],
      ['data', `${result.dataset.ref ?? result.dataset.file} ${shortDigest(result.dataset.digest)}`],
      ['backend', `${result.backend.name} (${result.backend.reason})`],
      ['rows', splitLine(result)],
      ['epochs', `${result.training.epochs}${result.training.early ? ` (stopped early; best ${result.training.bestEpoch})` : ''}`],
      [result.training.split.test > 0 ? 'test' : 'validation', result.training.split.test > 0 ? headline : `${headline} (no test part: optimistic)`],
      ['cross-val', crossValidationLine(result)],
      ['weights', shortDigest(result.weightsDigest)],
      ['onnx', `opset ${result.onnx.opset}, IR ${result.onnx.irVersion}, max |onnx − tfjs| ${result.onnx.maxAbsError.toExponential(1)}`],
      ['importance', result.importance.features.slice(0, 5).map((f) => `${f.feature} ${formatMetric(f.mean)}`).join(', ')],
      ['promoted', result.promoted ? `${result.promoted.alias} → ${result.promoted.ref}` : undefined],
    ]),
  ];
  const columns = result.columns.filter((column) => column.use !== 'feature' || column.type === 'boolean' || / missing values: /.test(column.reason));
  if (columns.length > 0) lines.push('', 'columns:', ...columns.map((column) => `  ${column.column}: ${column.use}${column.features ? ` (${column.features.join(', ')})` : ''}: ${column.reason}`));
  lines.push(...gapAndGateTables(result.groups, result.gates, color));
  return lines.join('\n');
}

/** "90 training, 30 validation (early stopping), 30 test; 4 without a label left out". */
function splitLine(result: TrainAndStoreResult): string {
  const { split } = result.training;
  const left = [
    split.dropped.missingLabel > 0 ? `${split.dropped.missingLabel} without a label` : '',
    split.dropped.missingFeature > 0 ? `${split.dropped.missingFeature} with a value the model cannot fill` : '',
    split.dropped.unseenClass > 0 ? `${split.dropped.unseenClass} of a class training never saw` : '',
  ].filter((part) => part !== '');
  return `${split.train} training, ${split.validation} validation (early stopping), ${split.test} test (the metrics)${left.length > 0 ? `; left out: ${left.join(', ')}` : ''}`;
}

/** "5 folds over 120 rows: accuracy 0.95 ± 0.03, …", or nothing when not run. */
function crossValidationLine(result: TrainAndStoreResult): string | undefined {
  const cv = result.crossValidation;
  if (!cv) return undefined;
  const figures = Object.entries(cv.metrics).map(([name, { mean, std }]) => `${name} ${formatMetric(mean)} ± ${formatMetric(std)}`);
  return `${cv.folds} folds over ${cv.rows} training and validation rows: ${figures.join(', ')}`;
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
Every run splits the data's labelled rows three ways (seeded, stratified for classification):
training, validation (early stopping) and test (every metric, the gates, the model card), trains on
the data (from the spec, or a default model for the task the label implies, or --task), evaluates the
test rows (metrics, per-group gaps with --group-by, permutation importance), cross-validates data
sets under 500 rows (5 folds, 5 more trainings), exports
model.onnx with the preprocessing folded in and checks it against tfjs, then stores the tfjs model,
model.onnx, signature.json, metrics.json, predictions.json, model-card.md/.json and train-spec.json
as the next models/NAME:N. A dataset ref is recorded as the parent (see \`registry lineage\`).

A failed gate still stores the version, marked failed, and exits 1; --promote moves the alias only
when every gate passes. A model trained on a dataset marked failed is marked failed too. When the
latest version of the name holds the same model (model.onnx, signature.json and the tfjs files, byte
for byte: a seeded retrain), with the same parents and status, it is returned instead of a new
version (\`reused: true\`), unless --new-version. With --json, epoch events go to stderr as JSON lines and the result to stdout.

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
          if (result.status === 'failed' && result.gates.passed) {
            reporter.warn(`${result.ref} derives from data marked failed, so it is marked failed too${options.promote ? `; ${options.promote} not moved` : ''}`);
          } else if (result.status === 'failed') {
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
