/** Writes a tfjs LayersModel as `model.json` + one weights file, the tfjs layers format, without tfjs-node. */
import { writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from '@mlship/onnx';
import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from '../tfjs.js';

/**
 * Saves into `dir/tfjs/` (which must exist) through a save handler. `tf.loadLayersModel` reads the
 * result with a file or HTTP handler; the weights path in the manifest is relative to model.json.
 */
export async function saveLayersModel(tf: Tf, model: LayersModel, dir: string): Promise<{ files: string[] }> {
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
      await writeFile(join(dir, TFJS_MODEL_FILE), `${JSON.stringify(modelJson)}\n`);
      await writeFile(join(dir, TFJS_WEIGHTS_FILE), new Uint8Array(weights));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return { files: [TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE] };
}
