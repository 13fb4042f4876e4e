/**
 * The evaluate stage of `trainAndStore`: the trained model on its held-out rows (metrics, per-group
 * metrics, permutation importance), and the gates judged on them, against the baseline when there is one.
 */
import { readAll } from '@mlship/core';
import { MODEL_FILES } from '@mlship/onnx';
import type { ArtifactVersion } from '@mlship/registry';
import { columnCells } from '../dataset/load-table.js';
import { trainDataError } from '../errors.js';
import { evaluateGates, type GateReport } from '../evaluate/gate-evaluate.js';
import type { GatePlan } from '../evaluate/gate-plan.js';
import type { Tf } from '../tfjs.js';
import type { HeldOut } from '../train-model.js';
import { evaluateHeldOut, type EvaluateHeldOutOptions, type HeldOutEvaluation } from './evaluate-held-out.js';

export interface JudgeTrainedModelOptions {
  registry: string;
  tf: Tf;
  trained: EvaluateHeldOutOptions['trained'];
  heldOut: HeldOut;
  /** Checked against the model (`checkTrainedModel`). */
  gates: GatePlan;
  /** A column of the held-out rows' table: per-group metrics and gaps. */
  groupBy?: string;
  baseline: ArtifactVersion | null;
  maxRegression: number;
  importanceRepeats?: number;
}

export interface JudgedModel {
  evaluation: HeldOutEvaluation;
  gates: GateReport;
}

/** The baseline's full metrics (its metrics.json) when it has them, else the scalars of its metadata. */
async function baselineMetrics(registry: string, baseline: ArtifactVersion): Promise<unknown> {
  if (baseline.files.some((file) => file.name === MODEL_FILES.metrics)) {
    const { openArtifactFile } = await import('@mlship/registry');
    const { stream } = await openArtifactFile(registry, baseline, MODEL_FILES.metrics);
    const bytes = await readAll(stream);
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch {
      // fall back to the metadata
    }
  }
  return baseline.metadata.metrics ?? {};
}

/** The column's value in each held-out row, from the table those rows come from. */
function groupValues(heldOut: HeldOut, column: string): unknown[] {
  const { table } = heldOut;
  const index = table.columns.indexOf(column);
  if (index < 0) throw trainDataError(`--group-by ${JSON.stringify(column)}: no such column in the data`, `choose one of: ${table.columns.join(', ')}`);
  const cells = columnCells(table, index);
  return heldOut.rows.map((row) => cells[row] ?? null);
}

export async function judgeTrainedModel(options: JudgeTrainedModelOptions): Promise<JudgedModel> {
  const { heldOut, baseline } = options;
  const group = options.groupBy !== undefined ? { column: options.groupBy, values: groupValues(heldOut, options.groupBy) } : undefined;
  const evaluation = await evaluateHeldOut({
    tf: options.tf,
    trained: options.trained,
    heldOut,
    ...(group ? { group } : {}),
    ...(options.importanceRepeats !== undefined ? { importanceRepeats: options.importanceRepeats } : {}),
  });
  const gates = evaluateGates(options.gates, evaluation.metrics, {
    ...(evaluation.groups ? { groups: evaluation.groups } : {}),
    ...(baseline ? { baseline: { ref: baseline.ref, metrics: await baselineMetrics(options.registry, baseline), maxRegression: options.maxRegression } } : {}),
  });
  return { evaluation, gates };
}
