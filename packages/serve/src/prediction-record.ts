/**
 * The prediction log's records (docs/serve.md#prediction-log), one per logged row. Inputs, echoed
 * fields and the request id are logged through core's PII masking: a value a detector flags is
 * written as its placeholder (`<email>`), never in clear.
 */
import { maskPii } from '@mlship/core';
import { fieldValue } from '@mlship/onnx/feature-row';
import type { RunOutputs } from './batcher.js';
import { V1Job, type HttpJob } from './infer-jobs.js';
import type { PredictionLog } from './prediction-log.js';
import { valueAt } from './tensor-json.js';

/** Non-tabular inputs and outputs: values are logged up to this many elements per row (shapes always). */
const SMALL_ROW = 64;
/** Request ids are logged up to this length (as for X-Request-Id). */
const MAX_ID = 128;

/** Writes a record for each sampled row of a finished job. */
export function logPredictions(log: PredictionLog, job: HttpJob, outputs: RunOutputs, offset: number, batchRows: number, latencyMs: number): void {
  const version = job.version;
  let time: string | undefined;
  for (let r = 0; r < job.rows; r++) {
    if (!log.sampled()) continue;
    time ??= new Date().toISOString();
    const record: Record<string, unknown> = {
      time,
      request_id: maskPii(job.id.length > MAX_ID ? job.id.slice(0, MAX_ID) : job.id),
      row: r,
      model: version.name,
      version: version.version,
    };
    if (version.features) record.features = featuresOf(job, r);
    else record.inputs = inputsOf(job, r);
    if (job instanceof V1Job && job.unknown?.[r]) record.unknown = job.unknown[r];
    if (job instanceof V1Job && job.echoes) record.echo = Object.fromEntries(job.host.echo.map((field, k) => [field, maskPii(job.echoes![r]![k])]));
    Object.assign(record, predictionOf(job, outputs, offset, batchRows, r));
    record.latency_ms = Math.round(latencyMs * 1000) / 1000;
    log.write(record);
  }
}

function featuresOf(job: HttpJob, row: number): Record<string, unknown> {
  const features = job.version.features!;
  const data = job.data[0] as Float32Array;
  const base = row * features.length;
  if (job instanceof V1Job) {
    // A derived feature (a part of a datetime) logs the number the model got.
    const derived = (j: number) => {
      const value = data[base + j]!;
      return Number.isNaN(value) ? null : value;
    };
    const instance = job.instances[row];
    if (Array.isArray(instance)) return Object.fromEntries(features.map((feature, j) => [feature.name, isDerived(feature) ? derived(j) : maskPii(instance[j] ?? null)]));
    if (instance && typeof instance === 'object') {
      return Object.fromEntries(features.map((feature, j) => [feature.name, isDerived(feature) ? derived(j) : maskPii(fieldValue(instance as Record<string, unknown>, feature.name) ?? null)]));
    }
  }
  // V2 requests carry category indexes: log the category back (null for -1 or an unknown index).
  return Object.fromEntries(
    features.map((feature, j) => {
      const value = data[base + j]!;
      return [feature.name, feature.kind === 'category' ? (feature.categories[value] ?? null) : value];
    }),
  );
}

function isDerived(feature: NonNullable<HttpJob['version']['features']>[number]): boolean {
  return feature.kind === 'numeric' && feature.derive !== undefined;
}

function inputsOf(job: HttpJob, row: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  job.version.inputs.forEach((input, i) => {
    const dims = job.dims[i]!;
    const shape = job.version.canBatch ? dims.slice(1) : dims;
    const size = shape.reduce((a, b) => a * b, 1);
    const start = job.version.canBatch ? row * size : 0;
    const entry: Record<string, unknown> = { shape };
    if (size <= SMALL_ROW) {
      const values: unknown[] = [];
      for (let k = 0; k < size; k++) values.push(maskPii(valueAt(input.type, job.data[i], start + k)));
      entry.values = values;
    }
    result[input.name] = entry;
  });
  return result;
}

function predictionOf(job: HttpJob, outputs: RunOutputs, offset: number, batchRows: number, row: number): Record<string, unknown> {
  const version = job.version;
  /** The row's values, or `{shape}` when the row holds more than SMALL_ROW elements. */
  const rowValues = (index: number): unknown[] | { shape: number[] } => {
    const tensor = outputs[version.outputs[index]!.name]!;
    // Rows of a batch along axis 0; otherwise (no batching, or an output whose first dimension is not the batch's) the whole output.
    const sliced = version.canBatch && tensor.dims.length > 0 && tensor.dims[0] === batchRows;
    const size = sliced ? tensor.size / Math.max(1, batchRows) : tensor.size;
    if (size > SMALL_ROW) return { shape: sliced ? tensor.dims.slice(1) : [...tensor.dims] };
    const start = sliced ? (offset + row) * size : 0;
    const values: unknown[] = [];
    for (let k = 0; k < size; k++) values.push(valueAt(tensor.type, tensor.data, start + k));
    return values;
  };
  const main = version.outputIndex.get('output') ?? 0;
  const labels = version.labels;
  if (labels) {
    const values = rowValues(main) as number[];
    if (Array.isArray(values) && values.length === labels.length) {
      let best = 0;
      for (let c = 1; c < values.length; c++) if (values[c]! > values[best]!) best = c;
      return { prediction: version.labelValues![best], probabilities: Object.fromEntries(labels.map((label, c) => [label, values[c]])) };
    }
  }
  if (version.outputs.length === 1) return { prediction: rowValues(0) };
  return { prediction: Object.fromEntries(version.outputs.map((output, index) => [output.name, rowValues(index)])) };
}
