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
import { booleanText, MODEL_FILES, runOnnxModel, type Signature } from '@mlship/onnx';
import type { Cell } from '@mlship/data';
import type { ArtifactVersion } from '@mlship/registry';
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
import { readStoredFile, readStoredOnnx, resolveModelRef } from './store/stored-model.js';
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
  /** Rows of the data left out because they have no label. */
  rowsWithoutLabel: number;
  /**
   * When the data is the one the model was trained on (the same digest): the scalar metrics on the
   * rows it held out (`predictions.json`): its test rows, or its validation rows for a model stored
   * before the test part existed (`part` says which). The figures over all rows include rows it trained on.
   */
  heldOut: { part: 'test' | 'validation'; rows: number; metrics: Record<string, number> } | null;
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
    const whole = await loadTable(data.path);
    const label = labelOf(options, facts, whole);
    // Rows without a label are left out, as training left them out.
    const labelIndex = whole.columns.indexOf(label);
    const kept = whole.rows.map((_, row) => row).filter((row) => textOfCell(whole.rows[row]![labelIndex]) !== undefined);
    const table: Table = { columns: whole.columns, rows: kept.map((row) => whole.rows[row]!), lines: kept.map((row) => whole.lines[row]!) };
    const rowsWithoutLabel = whole.rows.length - kept.length;
    const features = featureColumns(signature, facts, table, label, options.features);
    const count = table.rows.length;
    if (count === 0) throw trainDataError(`no row of the data has a label ${JSON.stringify(label)}`, 'evaluate on labelled data');
    const raw = inputRows(table, features);
    const dims = inputDims(input, count, features.length);
    const labelCells = columnCells(table, labelIndex);
    let groupValues: unknown[] | undefined;
    if (options.groupBy !== undefined) {
      const index = table.columns.indexOf(options.groupBy);
      if (index < 0) throw trainDataError(`--group-by ${JSON.stringify(options.groupBy)}: no such column in the data`, `choose one of: ${table.columns.join(', ')}`);
      groupValues = columnCells(table, index);
    }

    const results = await runOnnxModel({ bytes, feeds: { [input.name]: { data: raw, dims } }, outputs: [output.name] });
    const outputs = results[output.name]!.data;
    const notes: string[] = [];
    if (rowsWithoutLabel > 0) notes.push(`${rowsWithoutLabel} rows without a label were left out`);
    const inputOf = (rows: readonly number[], scores: Float32Array): EvaluationInput => {
      if (classes) {
        const names = rows.map((row) => classOfCell(labelCells[row] ?? null, signature.labelType));
        return classificationInput(classes, encodeLabels(names, classes).indices, scores, rows.length, notes);
      }
      if (scores.length !== rows.length) throw inputError(`the output has ${scores.length / rows.length} values per row; a regression model gives one`, 'name the classes with `model import --label-names` for a classifier');
      const actual = rows.map((row) => {
        const value = numberOfCell(labelCells[row]);
        if (value === undefined) throw trainDataError(`line ${table.lines[row]}: the label ${label} is not a number`, 'fix the label column before evaluating');
        return value;
      });
      return { task: 'regression', actual, predicted: scores };
    };
    const all = Array.from({ length: count }, (_, row) => row);
    const evaluation = inputOf(all, outputs);
    const metrics = evaluatePredictions(evaluation);
    let heldOut: EvaluateModelResult['heldOut'] = null;
    const recorded = await recordedHeldOut(options.registry, artifact, data.digest);
    if (recorded) {
      const position = new Map(kept.map((row, i) => [row, i]));
      const rows = recorded.rows.map((row) => position.get(row)).filter((row): row is number => row !== undefined);
      if (rows.length === recorded.rows.length && rows.length > 0) {
        const width = outputs.length / count;
        const scores = new Float32Array(rows.length * width);
        rows.forEach((row, i) => scores.set(outputs.subarray(row * width, (row + 1) * width), i * width));
        heldOut = { part: recorded.part, rows: rows.length, metrics: scalarMetricsOf(evaluatePredictions(inputOf(rows, scores))) };
        notes.push(
          `this is the data ${artifact.ref} was trained on: the figures over all rows include rows it trained on; heldOut has its ${recorded.part} rows (${rows.length}${recorded.part === 'validation' ? ', the rows its early stopping used: stored before the test part existed' : ', never seen in training'})`,
        );
      }
    }
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
      rowsWithoutLabel,
      heldOut,
      groups,
      notes: [...new Set(notes)],
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** A label cell as a class name: booleans read as "true"/"false", numbers by their value, else the text. */
function classOfCell(cell: Cell, labelType: Signature['labelType']): string | null {
  const text = textOfCell(cell);
  if (text === undefined) return null;
  if (labelType === 'boolean') return booleanText(cell) ?? text;
  if (labelType === 'number' || typeof cell === 'number') {
    const value = numberOfCell(cell);
    return value === undefined ? text : String(value);
  }
  return text;
}

/**
 * The rows a trained model held out, from its predictions.json, when `digest` is its training data's:
 * `part` test, or validation for a version stored before the test part existed. Only rows of the data
 * itself (not of a separate validation or test table).
 */
async function recordedHeldOut(registry: string, artifact: ArtifactVersion, digest: string): Promise<{ part: 'test' | 'validation'; rows: number[] } | null> {
  const dataset = artifact.metadata.extra?.dataset as { digest?: unknown } | undefined;
  if (!dataset || dataset.digest !== digest || !artifact.files.some((file) => file.name === MODEL_FILES.predictions)) return null;
  let predictions: { part?: unknown; table?: unknown; rows?: unknown };
  try {
    predictions = JSON.parse((await readStoredFile(registry, artifact, MODEL_FILES.predictions)).toString('utf8')) as typeof predictions;
  } catch {
    return null;
  }
  const rows = predictions.rows;
  if (!Array.isArray(rows) || !rows.every((row) => Number.isInteger(row))) return null;
  const part = predictions.part === 'test' ? 'test' : 'validation';
  if (predictions.part === undefined) {
    // Before the test part: the held-out rows were the validation rows, of a validation table when the spec named one.
    const spec = (artifact.metadata.params as { spec?: { validation?: { data?: unknown } } } | undefined)?.spec;
    if (typeof spec?.validation?.data === 'string') return null;
  } else if (predictions.table !== 'data') {
    return null;
  }
  return { part, rows: rows as number[] };
}
