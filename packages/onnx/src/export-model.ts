/** tfjs model + preprocessing description → ONNX model, its bytes, and its signature. */
import type { LayersModel } from '@tensorflow/tfjs';
import { ErrorCode, ExitCode, MlshipError, MLSHIP_VERSION } from '@mlship/core';
import { convertLayers } from './convert/convert-layers.js';
import { identityPerm, toLayout } from './convert/tensor-value.js';
import { GraphBuilder } from './graph-builder.js';
import { DEFAULT_OPSET, IR_VERSION, MAX_OPSET, MIN_OPSET, PRODUCER_NAME } from './model.js';
import type { Dim, OnnxModel } from './model.js';
import { addModelEntry, BATCH_DIM } from './preprocessing-graph.js';
import type { PreprocessingSpec } from './preprocessing.js';
import { buildSignature } from './signature.js';
import type { Signature } from './signature.js';
import { encodeModel } from './write-model.js';

export interface ExportOptions {
  /** A `tf.Sequential`, or a `tf.LayersModel` whose layers form one chain. */
  model: LayersModel;
  /** Folded into the graph; without it the input is `input`, shaped as the model's. */
  preprocessing?: PreprocessingSpec;
  /** Class names for the output's last axis (checked against its size; the signature's `labels`). */
  classes?: string[];
  /** The type of the label column's values (the signature's `labelType`; absent: string). */
  labelType?: Signature['labelType'];
  /** `ai.onnx` opset, 13 to 17 (default 13). */
  opset?: number;
  /** Name of the output (default `output`). */
  outputName?: string;
}

export interface ExportResult {
  model: OnnxModel;
  /** The `model.onnx` file's content. */
  bytes: Uint8Array;
  /** The `signature.json` content. */
  signature: Signature;
}

/**
 * Converts a trained tfjs model to ONNX with its preprocessing folded in. Throws
 * `MLSHIP_E_ONNX_UNSUPPORTED` naming the first layer or activation with no export, and
 * `MLSHIP_E_CONFIG` for a preprocessing description that does not fit the model.
 */
export function exportLayersModel(options: ExportOptions): ExportResult {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new MlshipError(ErrorCode.config, `opset ${opset} is outside ${MIN_OPSET}–${MAX_OPSET}`, {
      hint: `choose an opset from ${MIN_OPSET} to ${MAX_OPSET}`,
      exitCode: ExitCode.usage,
    });
  }
  const { model, preprocessing = {} } = options;
  const builder = new GraphBuilder(model.name);
  const modelShape = model.inputs[0]?.shape ?? [];
  const entry = addModelEntry(builder, modelShape, preprocessing);
  const last = convertLayers(builder, model, entry.value);
  const result = toLayout(builder, last, identityPerm(last.shape.length), 'output');

  const outputShape: Dim[] = [BATCH_DIM, ...last.shape.slice(1)];
  const outputUnits = outputShape.at(-1);
  if (options.classes && options.classes.length !== outputUnits) {
    throw new MlshipError(ErrorCode.config, `${options.classes.length} labels given for an output of size ${String(outputUnits)}`, {
      hint: 'give one label per output unit',
      exitCode: ExitCode.usage,
    });
  }
  const outputName = builder.rename(result.name, options.outputName ?? 'output');
  builder.addOutput(outputName, 'float32', outputShape);

  const onnxModel: OnnxModel = {
    irVersion: IR_VERSION,
    opsetImports: [{ domain: '', version: opset }],
    producerName: PRODUCER_NAME,
    producerVersion: MLSHIP_VERSION,
    graph: builder.toGraph(),
  };
  const signature = buildSignature({
    inputs: [entry.input],
    outputs: [{ name: outputName, dataType: 'float32', shape: outputShape }],
    irVersion: IR_VERSION,
    opset,
    ...(preprocessing.features ? { features: preprocessing.features } : {}),
    ...(preprocessing.image ? { image: preprocessing.image } : {}),
    ...(options.classes ? { labels: options.classes } : {}),
    ...(options.labelType ? { labelType: options.labelType } : {}),
  });
  return { model: onnxModel, bytes: encodeModel(onnxModel), signature };
}
