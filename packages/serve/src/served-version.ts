/** One loaded model version: its ONNX Runtime session, input/output specs, batcher and metrics. */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { ExitCode } from '@mlship/core';
import { featureField } from '@mlship/onnx/feature-row';
import { Batcher, type BatcherOptions, type BatchTarget, type RunOutputs } from './batcher.js';
import { allocate, V2_DATATYPE, type TensorData, type TensorType, type V2Datatype } from './datatypes.js';
import { ServeErrorCode, serveError } from './errors.js';
import type { ServeMetrics, VersionMetrics } from './metrics.js';
import { typedLabel } from './label-type.js';
import type { FeatureSpec, ModelDir } from './model-dir.js';
import { ort, type SessionOptions, type ValueSpec } from './session.js';

export interface InputSpec {
  name: string;
  type: TensorType;
  datatype: V2Datatype;
  /** Undefined when the rank is unknown. */
  shape: (number | string | null)[] | undefined;
}

export interface OutputSpec extends InputSpec {
  /** `"name":"...","datatype":"..."` ready for a response. */
  head: string;
}

export interface VersionLoadOptions extends SessionOptions, BatcherOptions {}

export class ServedVersion implements BatchTarget {
  readonly name: string;
  /** The version as the V2 API shows it ("3"). */
  readonly version: string;
  readonly inputs: InputSpec[];
  readonly outputs: OutputSpec[];
  readonly inputNames: string[];
  readonly inputTypes: TensorType[];
  readonly inputIndex: Map<string, number>;
  readonly outputIndex: Map<string, number>;
  readonly canBatch: boolean;
  readonly features: FeatureSpec[] | undefined;
  readonly labels: string[] | undefined;
  /** The labels in the label column's own type (signature.json `labelType`), as answers and the log give them. */
  readonly labelValues: (string | number | boolean)[] | undefined;
  /**
   * The fields a V1 object instance feeds the model from: feature names (a derived feature's
   * `derive.from` instead), or input names for a model with several inputs. Undefined when
   * instances are rows, not objects.
   */
  readonly recordFields: ReadonlySet<string> | undefined;
  readonly batcher: Batcher;
  readonly metrics: VersionMetrics;
  /** `"model_name":"iris","model_version":"3"` ready for a response. */
  readonly responseHead: string;
  private released = false;

  private constructor(
    readonly model: ModelDir,
    private readonly session: InferenceSession,
    readonly providers: string[],
    readonly fallback: string | undefined,
    inputs: ValueSpec[],
    outputs: ValueSpec[],
    options: BatcherOptions,
    private readonly serveMetrics: ServeMetrics,
  ) {
    this.name = model.name;
    this.version = String(model.version);
    this.inputs = inputs.map((spec) => ({ name: spec.name, type: spec.dataType, datatype: V2_DATATYPE[spec.dataType], shape: spec.shape }));
    this.outputs = outputs.map((spec) => ({
      name: spec.name,
      type: spec.dataType,
      datatype: V2_DATATYPE[spec.dataType],
      shape: spec.shape,
      head: `"name":${JSON.stringify(spec.name)},"datatype":"${V2_DATATYPE[spec.dataType]}"`,
    }));
    this.inputNames = this.inputs.map((input) => input.name);
    this.inputTypes = this.inputs.map((input) => input.type);
    this.inputIndex = new Map(this.inputNames.map((name, index) => [name, index]));
    this.outputIndex = new Map(this.outputs.map((output, index) => [output.name, index]));
    this.canBatch = batchesAlongFirstDim(this.inputs, this.outputs);
    const signature = model.signature;
    this.features = signature?.features && this.inputs.length === 1 && this.inputs[0]!.type === 'float32' ? signature.features : undefined;
    this.labels = signature?.labels;
    this.labelValues = this.labels?.map((label) => typedLabel(label, signature?.labelType) ?? label);
    this.recordFields = this.features ? new Set(this.features.map(featureField)) : this.inputs.length > 1 ? new Set(this.inputNames) : undefined;
    this.metrics = serveMetrics.forVersion(this.name, this.version);
    this.batcher = new Batcher(this, options, this.metrics);
    this.responseHead = `"model_name":${JSON.stringify(this.name)},"model_version":${JSON.stringify(this.version)}`;
    serveMetrics.addQueue(this.batcher);
  }

  /** Creates the session, checks the signature against it, and warms it up with one run. */
  static async load(model: ModelDir, options: VersionLoadOptions, metrics: ServeMetrics): Promise<ServedVersion> {
    const created = await model.createSession(options);
    let version: ServedVersion | undefined;
    try {
      const inputs = pickSpecs(model, 'inputs', model.signature?.inputs, created.inputs);
      const outputs = pickSpecs(model, 'outputs', model.signature?.outputs, created.outputs);
      version = new ServedVersion(model, created.session, created.providers, created.fallback, inputs, outputs, options, metrics);
      await version.warmUp();
      return version;
    } catch (error) {
      if (version) await version.release();
      else await created.session.release();
      throw error;
    }
  }

  makeTensor(type: TensorType, data: TensorData, dims: readonly number[]): Tensor {
    return new (ort().Tensor)(type, data as Float32Array, dims);
  }

  run(feeds: Record<string, Tensor>): Promise<RunOutputs> {
    return this.session.run(feeds) as Promise<RunOutputs>;
  }

  private async warmUp(): Promise<void> {
    const feeds: Record<string, Tensor> = {};
    for (const input of this.inputs) {
      const dims = (input.shape ?? [1]).map((dim) => (typeof dim === 'number' ? dim : 1));
      const size = dims.reduce((a, b) => a * b, 1);
      feeds[input.name] = this.makeTensor(input.type, allocate(input.type, size), dims);
    }
    try {
      await this.run(feeds);
    } catch (error) {
      throw serveError(
        ServeErrorCode.modelLoad,
        `${this.name} version ${this.version}: the warm-up run failed: ${String((error as Error).message).split('\n')[0]}`,
        'the model must run on an input of zeros with every dynamic dimension 1',
        ExitCode.usage,
        error,
      );
    }
  }

  /** Lets queued and running requests finish, then releases the session. */
  async retire(): Promise<void> {
    await this.batcher.idle();
    await this.release();
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.batcher.dispose();
    this.serveMetrics.removeQueue(this.batcher);
    await this.session.release();
  }

  /** Inputs and outputs as V2 model metadata shows them: V2 datatypes, -1 for a dynamic dimension. */
  describe(): { name: string; datatype: V2Datatype; shape: number[] }[][] {
    const describe = (spec: InputSpec) => ({ name: spec.name, datatype: spec.datatype, shape: (spec.shape ?? []).map((dim) => (typeof dim === 'number' ? dim : -1)) });
    return [this.inputs.map(describe), this.outputs.map(describe)];
  }
}

/**
 * Whether requests can share a run along axis 0: every input and output has a dynamic first
 * dimension, and where those dimensions are named (symbolic), it is one name. An output whose first
 * dimension is fixed or named otherwise (e.g. `K` beside inputs of `N`) is not the batch's.
 */
export function batchesAlongFirstDim(inputs: readonly InputSpec[], outputs: readonly InputSpec[]): boolean {
  const names = new Set<string>();
  for (const spec of [...inputs, ...outputs]) {
    if (spec.shape === undefined || spec.shape.length === 0) return false;
    const first = spec.shape[0];
    if (typeof first === 'number') return false;
    if (typeof first === 'string' && first !== '') names.add(first);
  }
  return names.size <= 1;
}

/** The signature's specs when it has them (they carry symbolic dimension names), checked against ONNX Runtime's. */
function pickSpecs(model: ModelDir, key: 'inputs' | 'outputs', fromSignature: ValueSpec[] | undefined, fromSession: ValueSpec[]): ValueSpec[] {
  if (!fromSignature) return fromSession;
  const names = (specs: ValueSpec[]) => specs.map((spec) => spec.name).sort().join(', ');
  if (names(fromSignature) !== names(fromSession)) {
    throw serveError(
      ServeErrorCode.modelDir,
      `model directory ${model.dir}: signature.json ${key} (${names(fromSignature)}) differ from the model's (${names(fromSession)})`,
      'write the signature again with `mlship model import`',
    );
  }
  // In the session's order, with the session's element type (the truth for feeding ONNX Runtime).
  return fromSession.map((spec) => {
    const signed = fromSignature.find((candidate) => candidate.name === spec.name)!;
    return { name: spec.name, dataType: spec.dataType, shape: signed.shape ?? spec.shape };
  });
}
