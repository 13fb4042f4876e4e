/**
 * `evaluateModel`: what `mlship model evaluate` does. Runs a stored model's `model.onnx` in ONNX
 * Runtime on a data file or a stored dataset and computes the metrics of the evaluate module
 * (classification when the signature names labels, else regression), with optional per-group
 * metrics and gates. Reads only; stores nothing. Returns data; never prints.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, MlshipError, type Digest } from '@mlship/core';
import { runOnnxModel } from '@mlship/onnx';
import { numberOfCell, textOfCell } from './dataset/cells.js';
import { columnCells, loadTable, type Table } from './dataset/load-table.js';
import { trainDataError } from './errors.js';
import { classificationInput, featureColumns, inputDims, inputError, inputRows, type ModelFacts } from './model-inputs.js';
import { encodeLabels } from './evaluate/class-labels.js';
import { evaluatePredictions } from './evaluate/evaluate-predictions.js';
import type { EvaluationInput, EvaluationMetrics, Task } from './evaluate/evaluation-types.js';
import { evaluateGates, type GateReport } from './evaluate/gate-evaluate.js';
import { planGates } from './evaluate/gate-plan.js';
import { evaluateGroups, type GroupMetrics } from './evaluate/group-metrics.js';
import { readStoredOnnx, resolveModelRef } from './store/stored-model.js';
import { resolveTrainingData } from './store/training-data.js';
import { scalarMetricsOf } from './evaluate/scalar-metrics.js';

export interface EvaluateModelOptions {
  registry: string;
  /** A stored model, `models/NAME[:N|@alias|@sha256:…]`. */
  ref: string;
  /** A data file, or a stored dataset ref `datasets/NAME[:N|@alias]`. */
  data: string;
  /** The label column; default: the label the model was trained on. */
  label?: string;
  /**
   * Feature columns in the order of the model's input, for a model whose signature does not name
   * them (an imported model). Default: the names the signature or the version's metadata record,
   * else every column but the label, in file order.
   */
  features?: string[];
  /** A sensitive column: per-group metrics and gaps. */
  groupBy?: string;
  /** Gate expressions (`accuracy>=0.9`). */
  gates?: string[];
}

/** Named and ordered as `mlship model evaluate --json` prints it. */
export interface EvaluateModelResult {
  ref: string;
  digest: Digest;
  /** `failed` when a gate failed. */
  status: 'ok' | 'failed';
  /** The scalar metrics. */
  metrics: Record<string, number>;
  gates: GateReport;
  task: Task;
  label: string;
  features: string[];
  classes: string[] | null;
  rows: number;
  dataset: { ref: string | null; file: string; digest: string };
  input: { name: string; dims: number[] };
  output: string;
  /** Every metric (per-class scores, confusion matrix, …). */
  evaluation: EvaluationMetrics;
  groups: GroupMetrics | null;
  /** Notes on how the outputs were read (e.g. scores outside [0, 1] taken as logits). */
  notes: string[];
}

function labelOf(options: EvaluateModelOptions, facts: ModelFacts, table: Table): string {
  const label = options.label ?? (typeof facts.label === 'string' ? facts.label : undefined);
  if (label === undefined) throw trainDataError('the model records no label column', 'pass --label COLUMN');
  if (!table.columns.includes(label)) throw trainDataError(`the data has no label column ${JSON.stringify(label)}`, `its columns: ${table.columns.join(', ')}`);
  return label;
}

export async function evaluateModel(options: EvaluateModelOptions): Promise<EvaluateModelResult> {
  const artifact = await resolveModelRef(options.registry, options.ref);
  const { bytes, signature } = await readStoredOnnx(options.registry, artifact);
  const facts = ((artifact.metadata.extra?.model ?? {}) as ModelFacts) ?? {};
  const classes = signature.labels ?? null;
  const task: Task = classes ? 'classification' : 'regression';
  const plan = planGates(options.gates ?? [], { task, ...(classes ? { classes } : {}) });
  if (plan.gates.some((gate) => gate.ref.kind === 'group_gap') && options.groupBy === undefined) {
    throw new MlshipError('MLSHIP_E_GATE_UNKNOWN_METRIC', 'group_gap gates need per-group metrics', { hint: 'pass --group-by COLUMN', exitCode: ExitCode.usage });
  }
  if (signature.inputs.length !== 1) {
    throw inputError(`${artifact.ref} takes ${signature.inputs.length} inputs (${signature.inputs.map((i) => i.name).join(', ')}); mlship evaluates models with one`, 'evaluate it with ONNX Runtime directly');
  }
  const input = signature.inputs[0]!;
  if (input.dataType !== 'float32') throw inputError(`input ${input.name} is ${input.dataType}; mlship feeds float32 inputs`, 'export the model with a float32 input');
  const output = signature.outputs[0];
  if (!output || !['float32', 'float64', 'float16', 'int64', 'int32'].includes(output.dataType)) {
    throw inputError(`${artifact.ref}'s first output is not a numeric tensor`, 'put the scores or values first among the outputs');
  }

  const workDir = await mkdtemp(join(tmpdir(), 'mlship-evaluate-'));
  try {
    const data = await resolveTrainingData(options.data, { workDir, registry: async () => options.registry });
    const table = await loadTable(data.path);
    const label = labelOf(options, facts, table);
    const features = featureColumns(signature, facts, table, label, options.features);
    const count = table.rows.length;
    const raw = inputRows(table, features);
    const dims = inputDims(input, count, features.length);
    const labelCells = columnCells(table, table.columns.indexOf(label));
    let groupValues: unknown[] | undefined;
    if (options.groupBy !== undefined) {
      const index = table.columns.indexOf(options.groupBy);
      if (index < 0) throw trainDataError(`--group-by ${JSON.stringify(options.groupBy)}: no such column in the data`, `choose one of: ${table.columns.join(', ')}`);
      groupValues = columnCells(table, index);
    }

    const results = await runOnnxModel({ bytes, feeds: { [input.name]: { data: raw, dims } }, outputs: [output.name] });
    const outputs = results[output.name]!.data;
    const notes: string[] = [];
    let evaluation: EvaluationInput;
    if (classes) {
      const names = labelCells.map((cell) => textOfCell(cell) ?? null);
      evaluation = classificationInput(classes, encodeLabels(names, classes).indices, outputs, count, notes);
    } else {
      if (outputs.length !== count) throw inputError(`the output has ${outputs.length / count} values per row; a regression model gives one`, 'name the classes with `model import --label-names` for a classifier');
      const actual = labelCells.map((cell, r) => {
        const value = numberOfCell(cell);
        if (value === undefined) throw trainDataError(`line ${table.lines[r]}: the label ${label} is missing or not a number`, 'drop rows without a label before evaluating');
        return value;
      });
      evaluation = { task: 'regression', actual, predicted: outputs };
    }
    const metrics = evaluatePredictions(evaluation);
    const groups = groupValues ? evaluateGroups(evaluation, { column: options.groupBy!, values: groupValues }) : null;
    const gates = evaluateGates(plan, metrics, groups ? { groups } : {});
    return {
      ref: artifact.ref,
      digest: artifact.digest,
      status: gates.passed ? 'ok' : 'failed',
      metrics: scalarMetricsOf(metrics),
      gates,
      task,
      label,
      features: features.map((feature) => feature.name),
      classes,
      rows: count,
      dataset: { ref: data.dataset?.ref ?? null, file: data.file, digest: data.digest },
      input: { name: input.name, dims: [-1, ...dims.slice(1)] },
      output: output.name,
      evaluation: metrics,
      groups,
      notes,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
