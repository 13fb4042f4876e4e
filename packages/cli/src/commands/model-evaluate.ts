import type { Command } from 'commander';
import { commaList, defineFlags, ExitCode } from '@mlship/core';
import type { EvaluateModelResult } from '@mlship/train';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { formatMetric, gapAndGateTables } from './evaluation-tables.js';
import { keyValues, table } from '../render.js';

const evaluateFlags = () =>
  defineFlags({
    data: { flag: '--data <file-or-ref>', description: 'a CSV, JSONL or Parquet file, or a stored dataset such as datasets/iris:1', required: true },
    label: { flag: '--label <column>', description: 'label column (default: the one the model was trained on)' },
    features: {
      flag: '--features <a,b,c>',
      description: "feature columns in the model's input order, for models whose signature does not name them (default: every column but the label)",
      parse: commaList,
    },
    groupBy: { flag: '--group-by <column>', description: 'per-group metrics and gaps for this column' },
    gates: { flag: '--gate <expr>', description: "a gate, METRIC OP NUMBER, e.g. 'accuracy>=0.95' (repeatable); exit 1 when one fails", repeatable: true },
  });

function renderText(result: EvaluateModelResult, color: { green(s: string): string; red(s: string): string }): string {
  const m = result.metrics;
  const headline =
    result.task === 'classification'
      ? `accuracy ${formatMetric(m.accuracy)}, f1_macro ${formatMetric(m.f1_macro)}, log_loss ${formatMetric(m.log_loss)}`
      : `rmse ${formatMetric(m.rmse)}, mae ${formatMetric(m.mae)}, r2 ${formatMetric(m.r2)}`;
  const lines = [
    `${result.ref} ${result.digest}`,
    keyValues([
      ['data', `${result.dataset.ref ?? result.dataset.file}, ${result.rows} rows${result.rowsWithoutLabel > 0 ? ` (${result.rowsWithoutLabel} without a label left out)` : ''}`],
      ['task', `${result.task} of ${result.label}`],
      ['metrics', headline],
      [
        'held out',
        result.heldOut
          ? `${result.heldOut.part} rows (${result.heldOut.rows}): ${
              result.task === 'classification'
                ? `accuracy ${formatMetric(result.heldOut.metrics.accuracy)}, f1_macro ${formatMetric(result.heldOut.metrics.f1_macro)}`
                : `rmse ${formatMetric(result.heldOut.metrics.rmse)}, r2 ${formatMetric(result.heldOut.metrics.r2)}`
            }`
          : undefined,
      ],
      ['status', result.gates.results.length === 0 ? undefined : result.status === 'ok' ? color.green('ok') : color.red('failed (gates not met)')],
    ]),
  ];
  if (result.evaluation.task === 'classification') {
    const perClass = Object.entries(result.evaluation.per_class).map(([name, scores]) => [name, formatMetric(scores.precision), formatMetric(scores.recall), formatMetric(scores.f1), String(scores.support)]);
    lines.push('', table(['class', 'precision', 'recall', 'f1', 'support'], perClass));
  }
  lines.push(...gapAndGateTables(result.groups, result.gates, color));
  for (const note of result.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

export function registerModelEvaluate(model: Command): void {
  const flags = evaluateFlags();
  const command = model
    .command('evaluate')
    .description('run a stored model in ONNX Runtime on a data set and compute its metrics')
    .argument('<ref>', 'the model, e.g. models/iris:1 or models/iris@production');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
Every row of the data is fed to the stored model.onnx: raw feature values when the signature describes
the features (the preprocessing is inside the model), otherwise the feature columns in order. The
task is classification when the signature names labels (\`model import --label-names\`), else
regression. Missing values are filled as the model was trained to fill them; rows without a label
are left out. On the data a model was trained on, \`heldOut\` also gives the figures on the rows it
held out (its test rows; the validation rows for a model stored before the test part existed).
Nothing is stored.

Examples:
  $ mlship model evaluate models/iris:1 --data examples/iris/iris.csv
  $ mlship model evaluate models/iris@production --data datasets/iris:2 --gate 'accuracy>=0.9'
  $ mlship model evaluate models/churn-torch --data test.csv --label churned --features age,tenure,spend --json`,
    )
    .action(
      handle(flags, async (context, [ref], options) => {
        const registry = await context.registry();
        const { evaluateModel } = await import('@mlship/train');
        const result = await evaluateModel({ registry, ref: ref!, ...options });
        if (result.status === 'failed') {
          const failed = result.gates.results.filter((gate) => !gate.passed).map((gate) => gate.expression);
          context.reporter.warn(`${result.ref} failed ${failed.length} gate(s): ${failed.join(', ')}`);
        }
        // --json prints the result as it is: its fields are named and ordered as the document is.
        return { data: result, text: renderText(result, context.reporter.color), exitCode: result.status === 'ok' ? ExitCode.ok : ExitCode.checkFailed };
      }),
    );
}
