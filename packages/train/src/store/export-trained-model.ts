/**
 * The export stage of `trainAndStore`: the trained model as ONNX with its preprocessing folded in,
 * checked against tfjs on the held-out rows (missing values included), its weights digest, and its tfjs files, all in memory.
 */
import { digestOf, type Digest } from '@mlship/core';
import { exportLayersModel, MODEL_FILES, verifyExport, type Signature } from '@mlship/onnx';
import type { Tf } from '../tfjs.js';
import type { HeldOut, TrainModelResult } from '../train-model.js';
import { weightsDigest } from '../weights-digest.js';
import { layersModelFiles } from './layers-model-files.js';

export interface ExportedModel {
  /** The `model.onnx` file's content. */
  bytes: Uint8Array;
  /** The `signature.json` content. */
  signature: Signature;
  /** `maxAbsError`: the largest difference of ONNX Runtime from tfjs on the held-out rows. */
  onnx: { file: string; digest: Digest; opset: number; irVersion: number; maxAbsError: number };
  weightsDigest: Digest;
  /** `tfjs/model.json` and `tfjs/weights.bin`. */
  tfjsFiles: Array<{ name: string; data: Uint8Array | string }>;
}

export async function exportTrainedModel(tf: Tf, trained: Pick<TrainModelResult, 'model' | 'preprocessing' | 'classes' | 'labelType'>, heldOut: HeldOut): Promise<ExportedModel> {
  const { model, classes, labelType } = trained;
  const exported = exportLayersModel({ model, preprocessing: trained.preprocessing, ...(classes ? { classes } : {}), ...(classes && labelType ? { labelType } : {}) });
  const check = await verifyExport({ model, exported, input: heldOut.raw, rows: heldOut.count });
  return {
    bytes: exported.bytes,
    signature: exported.signature,
    onnx: {
      file: MODEL_FILES.onnx,
      digest: digestOf(exported.bytes),
      opset: exported.signature.model.opset,
      irVersion: exported.signature.model.irVersion,
      maxAbsError: check.maxAbsError,
    },
    weightsDigest: await weightsDigest(model),
    tfjsFiles: await layersModelFiles(tf, model),
  };
}
