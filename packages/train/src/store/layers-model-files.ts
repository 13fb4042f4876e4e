/** A tfjs LayersModel as the files of the tfjs layers format (`model.json` + one weights file), in memory, without tfjs-node. */
import { posix } from 'node:path';
import { TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from '@mlship/onnx';
import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from '../tfjs.js';

/**
 * The files under the names a stored model holds them (`tfjs/model.json`, `tfjs/weights.bin`), made
 * through a save handler. `tf.loadLayersModel` reads them with a file or HTTP handler; the weights
 * path in the manifest is relative to model.json.
 */
export async function layersModelFiles(tf: Tf, model: LayersModel): Promise<Array<{ name: string; data: Uint8Array | string }>> {
  let files: Array<{ name: string; data: Uint8Array | string }> = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        // The weights path is relative to model.json, which sits beside it.
        weightsManifest: [{ paths: [posix.basename(TFJS_WEIGHTS_FILE)], weights: artifacts.weightSpecs ?? [] }],
      };
      files = [
        { name: TFJS_MODEL_FILE, data: `${JSON.stringify(modelJson)}\n` },
        { name: TFJS_WEIGHTS_FILE, data: new Uint8Array(weights) },
      ];
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return files;
}
