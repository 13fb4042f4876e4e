/** `signature.json`: what a caller needs to feed the exported model and read its output. */
import type { OnnxValueInfo } from './model.js';
import { MODEL_FILES } from './model-files.js';
import type { FeatureSpec, ImageSpec } from './preprocessing.js';

export const SIGNATURE_FORMAT = 'mlship.signature.v1';

export interface Signature {
  format: typeof SIGNATURE_FORMAT;
  /** The file the signature describes, and its ONNX versions. */
  model: { file: string; irVersion: number; opset: number };
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Tabular models: the columns of the `features` input, in order, with the preprocessing folded into the model. */
  features?: FeatureSpec[];
  /** Image models: the `image` input's size and the standardisation folded into the model. */
  image?: ImageSpec;
  /** Class names, in the order of the output's last axis. */
  labels?: string[];
  /**
   * The type of the label column's values (classification): class names are strings in `labels`;
   * serve answers `prediction` in this type (1 not "1", true not "true"). Absent: string.
   */
  labelType?: 'string' | 'number' | 'boolean';
}

export interface SignatureOptions {
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  irVersion: number;
  opset: number;
  features?: FeatureSpec[];
  image?: ImageSpec;
  labels?: string[];
  labelType?: Signature['labelType'];
  file?: string;
}

export function buildSignature(options: SignatureOptions): Signature {
  const signature: Signature = {
    format: SIGNATURE_FORMAT,
    model: { file: options.file ?? MODEL_FILES.onnx, irVersion: options.irVersion, opset: options.opset },
    inputs: options.inputs,
    outputs: options.outputs,
  };
  if (options.features) signature.features = options.features;
  if (options.image) signature.image = options.image;
  if (options.labels) signature.labels = options.labels;
  if (options.labelType) signature.labelType = options.labelType;
  return signature;
}
