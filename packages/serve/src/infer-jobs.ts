/**
 * The two request shapes that run a model: V2 `infer` and V1 `predict`. Each parses its body into
 * an {@link InferJob} (typed arrays in the model's input types) and turns its rows of the batch
 * outputs into the response body.
 */
import type { ServerResponse } from 'node:http';
import { featureField, featureInput, fieldValue, isMissing, type FeatureRowOptions, type ValueKind } from '@mlship/onnx/feature-row';
import { InferJob, type RunOutputs } from './batcher.js';
import { isV2Datatype, V2_DATATYPE, type TensorData } from './datatypes.js';
import { badRequest, describeValue, MAX_RANK } from './errors.js';
import type { ExtraFieldPolicy } from './options.js';
import type { ServedVersion } from './served-version.js';
import { nestedShape, readTensorData, valuesText } from './tensor-json.js';

/** What a job needs from the server that answers it. */
export interface JobHost {
  /** Writes the response, counts it in the metrics, and logs the prediction when sampled. */
  finish(job: HttpJob, status: number, body: string, outputs?: RunOutputs, offset?: number, batchRows?: number): void;
  /** The most elements one request can carry (a bound before allocating). */
  readonly maxElements: number;
  /** Whether V1 jobs keep their raw instances (the prediction log reads them). */
  readonly logsInstances: boolean;
  /** V1 instance fields that are neither read by the model nor echoed: ignored (counted) or refused. */
  readonly extraFields: ExtraFieldPolicy;
  /** Fields of each V1 instance copied into its prediction. */
  readonly echo: readonly string[];
}

export abstract class HttpJob extends InferJob {
  /** Requested outputs (indexes into version.outputs), all when undefined. */
  outputs: number[] | undefined;
  id = '';

  constructor(
    readonly host: JobHost,
    readonly res: ServerResponse,
    readonly start: number,
    readonly version: ServedVersion,
  ) {
    super();
  }

  fail(status: number, message: string): void {
    if (this.settled) return;
    this.settled = true;
    this.host.finish(this, status, JSON.stringify({ error: message }));
  }

  abandoned(): boolean {
    // The request's socket: a pipelined response gets its socket only when its turn comes.
    return this.res.req.socket.destroyed;
  }

  complete(outputs: RunOutputs, offset: number, batchRows: number): void {
    if (this.settled) return;
    this.settled = true;
    let body: string;
    try {
      body = this.render(outputs, offset, batchRows);
    } catch (error) {
      this.host.finish(this, 500, JSON.stringify({ error: (error as Error).message }));
      return;
    }
    this.host.finish(this, 200, body, outputs, offset, batchRows);
  }

  protected abstract render(outputs: RunOutputs, offset: number, batchRows: number): string;

  /** This job's rows of output `index`: the data range and its shape. */
  rowsOf(outputs: RunOutputs, index: number, offset: number, batchRows: number): { type: string; data: unknown; start: number; end: number; shape: number[] } {
    const spec = this.version.outputs[index]!;
    const tensor = outputs[spec.name];
    if (!tensor) throw new Error(`the model gave no output ${spec.name}`);
    const dims = tensor.dims;
    // A job that ran alone gets the whole output: its first dimension need not be the batch's.
    if (!this.version.canBatch || batchRows === this.rows) return { type: tensor.type, data: tensor.data, start: 0, end: tensor.size, shape: [...dims] };
    if (dims[0] !== batchRows) throw new Error(`output ${spec.name} has ${dims[0]} rows for a batch of ${batchRows}; the model does not batch along axis 0`);
    let rowSize = 1;
    for (let d = 1; d < dims.length; d++) rowSize *= dims[d]!;
    const shape = [...dims];
    shape[0] = this.rows;
    return { type: tensor.type, data: tensor.data, start: offset * rowSize, end: (offset + this.rows) * rowSize, shape };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the request's shape against the model input's: same rank, fixed dimensions equal, every dimension ≥ 1. */
function checkShape(what: string, shape: unknown, spec: ServedVersion['inputs'][number]): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 1)) {
    throw badRequest(`${what}: shape must be a list of integers ≥ 1`);
  }
  if (shape.length > MAX_RANK) throw badRequest(`${what}: shape has rank ${shape.length}; at most ${MAX_RANK} is supported`);
  const expected = spec.shape;
  if (expected) {
    if (expected.length !== shape.length) throw badRequest(`${what}: shape [${shape.join(',')}] has rank ${shape.length}, the model expects rank ${expected.length} [${describeShape(expected)}]`);
    for (let d = 0; d < expected.length; d++) {
      const dim = expected[d];
      if (typeof dim === 'number' && dim !== shape[d]) throw badRequest(`${what}: shape [${shape.join(',')}] does not match the model's [${describeShape(expected)}]`);
    }
  }
  return shape as number[];
}

function describeShape(shape: readonly (number | string | null)[]): string {
  return shape.map((dim) => (typeof dim === 'number' ? dim : -1)).join(',');
}

/** Sets `rows` from the inputs' first dimensions (which must agree); a model that does not batch takes one row per request. */
function setRows(job: InferJob, version: ServedVersion): void {
  if (!version.canBatch) {
    job.rows = 1;
    return;
  }
  job.rows = job.dims[0]![0]!;
  for (let i = 1; i < job.dims.length; i++) {
    if (job.dims[i]![0] !== job.rows) throw badRequest(`inputs disagree on the batch dimension (${version.inputNames[0]} has ${job.rows} rows, ${version.inputNames[i]} ${job.dims[i]![0]})`);
  }
}

/** POST /v2/models/{name}[/versions/{v}]/infer */
export class V2Job extends HttpJob {
  parse(body: unknown): void {
    const version = this.version;
    if (!isObject(body)) throw badRequest('the request body must be a JSON object with "inputs"');
    if (body.id !== undefined) {
      if (typeof body.id !== 'string') throw badRequest('"id" must be a string');
      this.id = body.id;
    }
    if (body.parameters !== undefined && !isObject(body.parameters)) throw badRequest('"parameters" must be an object');
    const inputs = body.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) throw badRequest('"inputs" must be a non-empty list of {name, shape, datatype, data}');
    const count = version.inputs.length;
    const data = new Array<TensorData>(count);
    const dims = new Array<number[]>(count);
    for (const input of inputs) {
      if (!isObject(input)) throw badRequest('each of "inputs" must be an object {name, shape, datatype, data}');
      const name = input.name;
      const index = typeof name === 'string' ? version.inputIndex.get(name) : undefined;
      if (index === undefined) {
        throw badRequest(`unknown input ${describeValue(name)}; the model takes ${version.inputNames.map((n) => JSON.stringify(n)).join(', ')}`);
      }
      if (data[index] !== undefined) throw badRequest(`input "${name}" is given twice`);
      const spec = version.inputs[index]!;
      const what = `input "${name}"`;
      if (!isV2Datatype(input.datatype)) throw badRequest(`${what}: unknown datatype ${describeValue(input.datatype)} (the model takes ${spec.datatype})`);
      const shape = checkShape(what, input.shape, spec);
      data[index] = readTensorData(what, input.datatype, spec.type, shape, input.data, this.host.maxElements, version.features && imputedColumns(version.features));
      dims[index] = shape;
    }
    for (let i = 0; i < count; i++) if (data[i] === undefined) throw badRequest(`missing input "${version.inputNames[i]}"`);
    this.data = data;
    this.dims = dims;
    setRows(this, version);
    if (body.outputs !== undefined) {
      if (!Array.isArray(body.outputs)) throw badRequest('"outputs" must be a list of {name}');
      const wanted: number[] = [];
      for (const output of body.outputs) {
        const name = isObject(output) ? output.name : undefined;
        const index = typeof name === 'string' ? version.outputIndex.get(name) : undefined;
        if (index === undefined) {
          throw badRequest(`unknown output ${describeValue(name)}; the model gives ${version.outputs.map((o) => JSON.stringify(o.name)).join(', ')}`);
        }
        if (!wanted.includes(index)) wanted.push(index);
      }
      this.outputs = wanted;
    }
  }

  protected render(outputs: RunOutputs, offset: number, batchRows: number): string {
    const version = this.version;
    let text = `{${version.responseHead},"id":${JSON.stringify(this.id)},"outputs":[`;
    const count = this.outputs ? this.outputs.length : version.outputs.length;
    for (let k = 0; k < count; k++) {
      const index = this.outputs ? this.outputs[k]! : k;
      const rows = this.rowsOf(outputs, index, offset, batchRows);
      const datatype = V2_DATATYPE[rows.type as keyof typeof V2_DATATYPE] ?? version.outputs[index]!.datatype;
      text += `${k > 0 ? ',' : ''}{"name":${JSON.stringify(version.outputs[index]!.name)},"datatype":"${datatype}","shape":[${rows.shape.join(',')}],"data":[${valuesText(rows.type, rows.data, rows.start, rows.end)}]}`;
    }
    return `${text}]}`;
  }
}

/** POST /v1/predict, /v1/models/{name}[/versions/{v}]:predict */
export class V1Job extends HttpJob {
  /** The instances as sent (the prediction log records their raw values). */
  instances: unknown[] = [];
  /** Per instance, the features whose value was not seen in training (encoded -1); undefined when none was. */
  unknown: (string[] | undefined)[] | undefined;
  /** With echoed fields (`--echo`): each instance's values of them, in their order (null when absent). */
  echoes: unknown[][] | undefined;

  parse(body: unknown): void {
    const version = this.version;
    if (!isObject(body) || !Array.isArray(body.instances)) throw badRequest('the request body must be {"instances": [...]}');
    const instances = body.instances;
    if (instances.length === 0) throw badRequest('"instances" is empty');
    if (!version.canBatch && instances.length !== 1) {
      throw badRequest(`this model has a fixed batch dimension; send one instance per request, or use /v2/models/${version.name}/infer`);
    }
    // Kept only for the prediction log (tabular models log raw values): otherwise they would live as long as the job.
    if (version.features && this.host.logsInstances) this.instances = instances;
    const extra = this.readFields(instances);
    if (version.features) this.parseFeatures(instances);
    else this.parseTensors(instances);
    setRows(this, version);
    if (extra > 0) version.metrics.extraFields.inc(extra);
  }

  /**
   * Reads the echoed fields of each instance, and checks object instances for fields that are
   * neither read by the model (`recordFields`) nor echoed: refused with `--extra-fields error`
   * (naming the field, never its value), else ignored. Returns how many were ignored.
   */
  private readFields(instances: unknown[]): number {
    const { echo, extraFields } = this.host;
    const fields = this.version.recordFields;
    if (echo.length > 0) this.echoes = new Array<unknown[]>(instances.length);
    let extra = 0;
    for (let i = 0; i < instances.length; i++) {
      const instance = instances[i];
      const record = isObject(instance) ? instance : undefined;
      if (this.echoes) this.echoes[i] = echo.map((field) => echoValue(i, field, record));
      if (!record || !fields) continue;
      for (const key of Object.keys(record)) {
        if (fields.has(key) || echo.includes(key)) continue;
        if (extraFields === 'error') {
          const what = this.version.features ? 'a feature' : 'an input';
          throw badRequest(`instance ${i}: unexpected field ${describeValue(key)}, neither ${what} of the model nor echoed (the model takes ${[...fields].join(', ')})`);
        }
        extra++;
      }
    }
    return extra;
  }

  /** Tabular models: numbers for numeric features, category values as their index (-1 unknown). */
  private parseFeatures(instances: unknown[]): void {
    const features = this.version.features!;
    const width = features.length;
    const rows = instances.length;
    if (rows * width > this.host.maxElements) throw badRequest('too many instances for one request');
    const out = new Float32Array(rows * width);
    const reading = new FeatureReading();
    for (let i = 0; i < rows; i++) {
      const instance = instances[i];
      const base = i * width;
      reading.instance = i;
      if (Array.isArray(instance)) {
        if (instance.length !== width) throw badRequest(`instance ${i}: has ${instance.length} values, the model takes ${width} (${features.map((f) => f.name).join(', ')})`);
        for (let j = 0; j < width; j++) out[base + j] = featureValue(i, features[j]!, instance[j], true, reading);
      } else if (isObject(instance)) {
        // Other fields were checked by readFields.
        for (let j = 0; j < width; j++) {
          const feature = features[j]!;
          const field = featureField(feature);
          out[base + j] = featureValue(i, feature, fieldValue(instance, field), Object.prototype.hasOwnProperty.call(instance, field), reading);
        }
      } else {
        throw badRequest(`instance ${i}: must be an object of features or a list of values in feature order`);
      }
    }
    this.data = [out];
    this.dims = [[rows, width]];
    if (reading.unknown.length > 0) {
      this.unknown = reading.unknown;
      for (const names of reading.unknown) for (const name of names ?? []) this.version.metrics.unknownCategory(name);
    }
  }

  /** Other models: each instance is one row of the single input (nested to its shape), or an object of rows by input name. */
  private parseTensors(instances: unknown[]): void {
    const version = this.version;
    const count = version.inputs.length;
    this.data = new Array<TensorData>(count);
    this.dims = new Array<number[]>(count);
    for (let k = 0; k < count; k++) {
      const spec = version.inputs[k]!;
      const rows = count === 1 ? instances : instances.map((instance, i) => {
        if (!isObject(instance) || !(spec.name in instance)) throw badRequest(`instance ${i}: must be an object with input "${spec.name}"`);
        return instance[spec.name];
      });
      const rowShape = nestedShape(rows[0]);
      // Instances are rows of the input; a model with a fixed batch dimension takes its one instance whole unless it lacks that dimension.
      const asRows = version.canBatch || (spec.shape !== undefined && rowShape.length === spec.shape.length - 1);
      const shape = asRows ? [rows.length, ...rowShape] : rowShape;
      const what = count === 1 ? 'instances' : `instances' "${spec.name}"`;
      const checked = checkShape(what, shape, spec);
      const datatype = spec.type === 'string' ? 'BYTES' : spec.type === 'bool' ? 'BOOL' : spec.type.startsWith('float') ? 'FP64' : 'INT64';
      this.data[k] = readTensorData(what, datatype, spec.type, checked, asRows ? rows : rows[0], this.host.maxElements);
      this.dims[k] = checked;
    }
  }

  /** `,"FIELD":value` for each echoed field of instance `row`, appended to its prediction object. */
  private echoText(row: number): string {
    const values = this.echoes?.[row];
    if (!values) return '';
    return this.host.echo.map((field, k) => `,${JSON.stringify(field)}:${JSON.stringify(values[k])}`).join('');
  }

  protected render(outputs: RunOutputs, offset: number, batchRows: number): string {
    const version = this.version;
    const labels = version.labels;
    const main = version.outputIndex.get('output') ?? 0;
    const first = this.rowsOf(outputs, main, offset, batchRows);
    const width = this.rows > 0 ? (first.end - first.start) / this.rows : 0;
    let text = `{${version.responseHead},"predictions":[`;
    if (labels && width === labels.length) {
      const keys = labels.map((label) => JSON.stringify(label));
      // The label in its own type (1, true); probabilities stay keyed by its text, as JSON keys are.
      const answers = version.labelValues!.map((label) => JSON.stringify(label));
      const values = first.data as Float32Array;
      for (let r = 0; r < this.rows; r++) {
        const base = first.start + r * width;
        let best = 0;
        let probabilities = '';
        for (let c = 0; c < width; c++) {
          const value = Number(values[base + c]);
          if (value > Number(values[base + best])) best = c;
          probabilities += `${c > 0 ? ',' : ''}${keys[c]}:${value - value === 0 ? value : 'null'}`;
        }
        text += `${r > 0 ? ',' : ''}{"label":${answers[best]},"probabilities":{${probabilities}}${this.echoText(r)}}`;
      }
      return `${text}]}`;
    }
    const all = version.outputs.map((_, index) => (index === main ? first : this.rowsOf(outputs, index, offset, batchRows)));
    for (let r = 0; r < this.rows; r++) {
      if (r > 0) text += ',';
      const row = (rows: (typeof all)[number]) => {
        const size = (rows.end - rows.start) / this.rows;
        return `[${valuesText(rows.type, rows.data, rows.start + r * size, rows.start + (r + 1) * size)}]`;
      };
      const prediction = all.length === 1 ? row(all[0]!) : `{${all.map((rows, index) => `${JSON.stringify(version.outputs[index]!.name)}:${row(rows)}`).join(',')}}`;
      // With echoed fields a prediction is an object: {"prediction": row, "FIELD": value}.
      text += this.echoes ? `{"prediction":${prediction}${this.echoText(r)}}` : prediction;
    }
    return `${text}]}`;
  }
}

/** An echoed field's value in an instance: a JSON scalar, null when absent (or the instance is a list). */
function echoValue(instance: number, field: string, record: Record<string, unknown> | undefined): unknown {
  const value = record && Object.hasOwn(record, field) ? record[field] : undefined;
  if (value === undefined || value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value ?? null;
  throw badRequest(`instance ${instance}: the echoed field ${describeValue(field)} must be a string, number, boolean or null`);
}

type Feature = NonNullable<ServedVersion['features']>[number];

const imputed = new WeakMap<readonly Feature[], boolean[] | undefined>();

/** The columns of a tabular model's raw input whose missing value (a JSON null in V2 data) the model fills: features with `impute`. */
function imputedColumns(features: readonly Feature[]): boolean[] | undefined {
  if (!imputed.has(features)) {
    const columns = features.map((feature) => feature.impute !== undefined);
    imputed.set(features, columns.includes(true) ? columns : undefined);
  }
  return imputed.get(features);
}

const KIND_TEXT: Record<ValueKind, string> = { string: 'a string', number: 'a number', boolean: 'a boolean', other: 'another kind of value' };

/** The unknown-category policy while one request's instances are read: `error` refuses, `unknown` notes the feature per instance. */
class FeatureReading implements FeatureRowOptions<Feature> {
  instance = 0;
  readonly unknown: (string[] | undefined)[] = [];

  onUnknown(feature: Extract<Feature, { kind: 'category' }>, kind: ValueKind): void {
    // Never the value: it may be personal data, and the kind is what the client needs to fix it.
    if (feature.unknown === 'error') throw badRequest(`instance ${this.instance}: feature ${JSON.stringify(feature.name)}: a value not seen in training (${KIND_TEXT[kind]})`);
    (this.unknown[this.instance] ??= []).push(feature.name);
  }
}

/**
 * One feature's raw input through @mlship/onnx's featureInput, with serve's own checks first: a
 * numeric feature needs a finite JSON number (a missing or null one only when it has `impute`: NaN,
 * which the graph fills), a derived one a date-time it can read, a category a JSON scalar.
 */
function featureValue(instance: number, feature: Feature, value: unknown, present: boolean, reading: FeatureReading): number {
  if (feature.kind === 'numeric') {
    if (feature.impute !== undefined && isMissing(value)) return NaN;
    if (feature.derive) {
      const from = JSON.stringify(feature.derive.from);
      if (isMissing(value)) throw badRequest(`instance ${instance}: feature "${feature.name}" is missing (it is read from ${from})`);
      const part = featureInput(feature, value);
      if (Number.isNaN(part)) throw badRequest(`instance ${instance}: feature "${feature.name}" needs a date or date-time in ${from} (ISO 8601 text or epoch milliseconds), got ${describeValue(value)}`);
      return Math.fround(part);
    }
    if (!present || value === undefined) throw badRequest(`instance ${instance}: feature "${feature.name}" is missing`);
    const rounded = typeof value === 'number' ? Math.fround(value) : NaN;
    if (rounded - rounded !== 0) throw badRequest(`instance ${instance}: feature "${feature.name}" needs a finite number, got ${describeValue(value)}`);
    return rounded;
  }
  if (value !== undefined && value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw badRequest(`instance ${instance}: feature "${feature.name}" needs a category value, got ${describeValue(value)}`);
  }
  return featureInput(feature, value, reading);
}

