/**
 * Compression methods as a table (DESIGN.md #7): a name and a `compress` function from the source
 * model to new ONNX bytes plus what the report should say about it. `compressModel` judges, measures
 * and stores whatever a method returns, so a new method is one `registerCompressionMethod` call.
 */
import type { OnnxModel } from '@mlship/onnx';
import type { ResolvedTrainSpec } from '@mlship/train';
import type { InputRows, EvaluationData } from './evaluation-data.js';
import type { SourceModel } from './source-model.js';
import type { TrainingContext } from './training-context.js';

/** Every method's settings, resolved from the options (each method reads its own). */
export interface CompressSettings {
  seed: number;
  perChannel: boolean | 'auto';
  format: 'qdq' | 'qoperator';
  calibrationMethod: 'minmax' | 'percentile';
  percentile: number;
  fp16Mode: 'weights' | 'full';
  schedule: { initialSparsity: number; finalSparsity: number; beginStep: number; endStep?: number; frequency: number };
  /** Fine-tuning (prune) or student training (distill) epochs; default per method. */
  epochs?: number;
  learningRate?: number;
  /** The student's model section (distill). */
  student?: ResolvedTrainSpec['model'];
  temperature: number;
  alpha: number;
}

export interface EpochProgress {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss?: number;
}

export interface MethodContext {
  source: SourceModel;
  evaluation: EvaluationData;
  settings: CompressSettings;
  /** tfjs, the prepared training data and the source's tfjs model (prune, distill). */
  training(): Promise<TrainingContext>;
  /** Rows to calibrate activation ranges on (int8-static). */
  calibration(): Promise<{ input: InputRows; description: string }>;
  onEpoch?: (event: EpochProgress) => void;
}

export interface MethodResult {
  /** The compressed model. */
  model: OnnxModel;
  /** Method facts for the report (JSON). */
  details: Record<string, unknown>;
  /** Extra files for the new version (a student's tfjs model), by name. */
  files?: Array<{ name: string; data: Uint8Array | string }>;
  /** The train spec to record with the new version, when it can be trained on again (a student). */
  spec?: ResolvedTrainSpec;
  warnings?: string[];
}

export interface CompressionMethod {
  /** One line for `--help` and the report. */
  summary: string;
  /** The settings this method reads: what the new version records as its params. */
  settings: Array<keyof CompressSettings>;
  /** The method trains (prune, distill): it needs the tfjs model and training data `mlship train` stores. */
  trains?: boolean;
  compress(context: MethodContext): Promise<MethodResult>;
}

const methods = new Map<string, CompressionMethod>();

export function registerCompressionMethod(name: string, method: CompressionMethod): void {
  methods.set(name, method);
}

export function registeredCompressionMethods(): string[] {
  return [...methods.keys()];
}

export function compressionMethod(name: string): CompressionMethod | undefined {
  return methods.get(name);
}
