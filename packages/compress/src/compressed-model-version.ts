/**
 * What `compressModel` stores for a compressed model, computed from its stages' results: the files (in
 * memory, in the order they are stored), the source as parent, and the metadata. Nothing is written here.
 */
import type { EnvironmentFacts } from '@mlship/core';
import { MODEL_FILES } from '@mlship/onnx';
import { scalarMetricsOf, type EvaluationMetrics, type StoreVersionOptions } from '@mlship/train';
import type { EvaluationData } from './evaluation-data.js';
import type { MethodResult } from './methods.js';
import { renderReportMarkdown, type CompressionReport } from './report.js';
import type { SourceModel } from './source-model.js';

export interface CompressedModelFacts {
  name: string;
  method: string;
  /** The settings the method read: recorded as the version's params. */
  settings: Record<string, unknown>;
  maxDrop: number;
  /** `--eval-data`: the rows judged are not the source's held-out split. */
  evalData?: string;
  source: SourceModel;
  evaluation: EvaluationData;
  /** The compressed `model.onnx`. */
  bytes: Uint8Array;
  result: MethodResult;
  /** The compressed model on the evaluation rows: its metrics, outputs and predicted class indices (null for regression). */
  after: { metrics: EvaluationMetrics; outputs: Float32Array; classes: number[] | null };
  report: CompressionReport;
  environment: EnvironmentFacts;
}

export type CompressedModelVersion = Pick<StoreVersionOptions, 'files' | 'parents' | 'params' | 'environment' | 'extra'> & {
  /** `failed` when the gate failed. */
  status: 'ok' | 'failed';
  metrics: Record<string, number>;
};

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function compressedModelVersion(facts: CompressedModelFacts): CompressedModelVersion {
  const { source, evaluation, after, report } = facts;
  const { classes } = evaluation;
  const evalData = facts.evalData !== undefined;
  const signature = { ...source.signature, model: { ...source.signature.model, file: MODEL_FILES.onnx } };
  // On the source's split, the same part and table as the source's predictions.json, so the new version is judged on the same rows again.
  const predictions = {
    ...(source.heldOut && !evalData ? { part: source.heldOut.part, table: source.heldOut.table } : {}),
    rows: source.heldOutRows && !evalData ? source.heldOutRows : evaluation.actual.map((_, row) => row),
    actual: classes ? evaluation.actual.map((index) => classes[index]) : evaluation.actual,
    predicted: classes && after.classes ? after.classes.map((index) => classes[index]) : Array.from(after.outputs),
    ...(source.trainRows && !evalData ? { parts: { train: { table: 'data', rows: source.trainRows } } } : {}),
  };
  // The train spec goes along (the student's own, else the source's) so the new version can be
  // judged on the same split when it is compressed again; not when --eval-data replaced the split.
  const spec = facts.result.spec ?? (!evalData ? source.spec : null);
  return {
    files: [
      { name: MODEL_FILES.onnx, data: facts.bytes },
      { name: MODEL_FILES.signature, data: json(signature) },
      { name: MODEL_FILES.metrics, data: json(after.metrics) },
      { name: MODEL_FILES.predictions, data: json(predictions) },
      { name: 'compression-report.json', data: json(report) },
      ...(facts.result.files ?? []),
      ...(spec ? [{ name: MODEL_FILES.spec, data: json(spec) }] : []),
      // The Markdown names the model, not the version: the version number is taken only while storing.
      { name: 'compression-report.md', data: renderReportMarkdown(report, `models/${facts.name}`) },
    ],
    parents: [source.artifact.ref],
    status: report.gate.passed ? 'ok' : 'failed',
    params: {
      method: facts.method,
      settings: facts.settings,
      maxAccuracyDrop: facts.maxDrop,
      ...(evalData ? { evalData: facts.evalData } : {}),
    },
    metrics: scalarMetricsOf(after.metrics),
    environment: facts.environment,
    extra: {
      model: source.facts,
      // The training data facts locate the held-out rows of predictions.json; with --eval-data they would not.
      ...(source.dataset && !evalData ? { dataset: source.dataset } : {}),
      compression: { method: facts.method, source: source.artifact.ref, gate: report.gate, ratios: report.ratios, agreement: report.agreement },
    },
  };
}
