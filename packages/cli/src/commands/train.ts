import type { Command } from 'commander';
import { ExitCode, parseArtifactName } from '@mlship/core';
import type { TrainAndStoreResult } from '@mlship/train';
import { collect, handle } from '../context.js';
import { formatMetric, gapAndGateTables } from './evaluation-tables.js';
import { keyValues, shortDigest } from '../render.js';
import { parseLabels } from './registry-put.js';
import { parseInteger, usage } from './parse-flags.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';

interface TrainFlags {
  data: string;
  label?: string;
  seed?: string;
  epochs?: string;
  backend?: string;
  name?: string;
  groupBy?: string;
  gate: string[];
  compareTo?: string;
  maxRegression?: string;
  promote?: string;
  meta: string[];
}

function renderText(result: TrainAndStoreResult, color: { green(s: string): string; red(s: string): string }): string {
  const m = result.scalarMetrics;
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
  program
    .command('train')
    .description(TOP_LEVEL_COMMANDS.train.description)
    .argument('[spec]', 'train spec (YAML or JSON; schema: packages/train/schemas/train-spec.schema.json)')
    .requiredOption('--data <file-or-ref>', 'training data: a CSV, JSONL or Parquet file, or a stored dataset such as datasets/iris:1 or datasets/iris@production')
    .option('--label <column>', 'label column (overrides the spec; required without one)')
    .option('--seed <n>', 'seed of initialisation, shuffling, dropout and the split (default: the spec, else 42)')
    .option('--epochs <n>', 'epochs (overrides the spec)')
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu (default: the spec, else auto)')
    .option('--name <name>', 'model name (default: the dataset name, or the spec or data file name)')
    .option('--group-by <column>', 'per-group metrics and gaps on the held-out rows for this column')
    .option('--gate <expr>', "a gate, METRIC OP NUMBER, e.g. 'accuracy>=0.95' (repeatable; added to the spec's gates)", collect, [])
    .option('--compare-to <ref>', 'a stored model the new one may not be worse than by more than --max-regression')
    .option('--max-regression <x>', 'largest allowed worsening against --compare-to, in the metric units (default 0)')
    .option('--promote <alias>', 'move this alias to the new version when every gate passes')
    .option('--meta <key=value>', 'a label to record (repeatable)', collect, [])
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
      handle<TrainFlags>(async (context, [spec], options) => {
        const seed = parseInteger('--seed', options.seed, 0, 4294967295);
        const epochs = parseInteger('--epochs', options.epochs, 1, 100000);
        if (options.name !== undefined) {
          const { kind } = parseArtifactName(`models/${options.name}`);
          if (kind !== 'models') throw usage(`bad --name "${options.name}"`, 'give a bare name, e.g. --name iris');
        }
        let maxRegression: number | undefined;
        if (options.maxRegression !== undefined) {
          if (options.compareTo === undefined) throw usage('--max-regression needs --compare-to', 'name the baseline, e.g. --compare-to models/iris@production');
          maxRegression = Number(options.maxRegression);
          if (options.maxRegression.trim() === '' || !Number.isFinite(maxRegression) || maxRegression < 0) {
            throw usage(`--max-regression must be a number ≥ 0, got "${options.maxRegression}"`, 'e.g. --max-regression 0.01');
          }
        }
        const labels = parseLabels(options.meta);
        const { reporter } = context;
        const registry = await context.registry();
        const { trainAndStore } = await import('@mlship/train');
        const bar = reporter.progress('training', 'items');
        try {
          const result = await trainAndStore({
            registry,
            data: options.data,
            ...(spec !== undefined ? { spec } : {}),
            ...(options.label !== undefined ? { label: options.label } : {}),
            ...(seed !== undefined ? { seed } : {}),
            ...(epochs !== undefined ? { epochs } : {}),
            ...(options.backend !== undefined ? { backend: options.backend } : {}),
            ...(options.name !== undefined ? { name: options.name } : {}),
            ...(options.groupBy !== undefined ? { groupBy: options.groupBy } : {}),
            gates: options.gate,
            ...(options.compareTo !== undefined ? { compareTo: options.compareTo } : {}),
            ...(maxRegression !== undefined ? { maxRegression } : {}),
            ...(options.promote !== undefined ? { promote: options.promote } : {}),
            ...(Object.keys(labels).length > 0 ? { labels } : {}),
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
          const data = {
            ref: result.ref,
            digest: result.digest,
            contentDigest: result.contentDigest,
            status: result.status,
            metrics: result.scalarMetrics,
            gates: result.gates,
            backend: result.backend,
            weightsDigest: result.weightsDigest,
            onnx: result.onnx,
            dataset: result.dataset,
            promoted: result.promoted,
            task: result.task,
            label: result.label,
            features: result.features,
            classes: result.classes,
            evaluation: result.metrics,
            groups: result.groups,
            importance: result.importance,
            training: { epochs: result.training.epochs, early: result.training.early, bestEpoch: result.training.bestEpoch, split: result.training.split },
            files: result.files,
            warnings: result.warnings,
          };
          return {
            data,
            text: renderText(result, reporter.color),
            exitCode: result.status === 'ok' ? ExitCode.ok : ExitCode.checkFailed,
          };
        } finally {
          bar.stop();
        }
      }),
    );
}
