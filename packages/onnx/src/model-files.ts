/**
 * The files of a stored model, beside the `signature.json` format (`signature.ts`): what `mlship train`
 * writes, `model import` and `compress` store, `serve` and `package` read. Also `@mlship/onnx/model-files`,
 * which imports nothing, for the server bundle.
 */
export const MODEL_FILES = {
  onnx: 'model.onnx',
  signature: 'signature.json',
  metrics: 'metrics.json',
  predictions: 'predictions.json',
  cardMarkdown: 'model-card.md',
  cardJson: 'model-card.json',
  spec: 'train-spec.json',
} as const;

/** A trained model's tfjs files (topology and weights), beside the ONNX ones. */
export const TFJS_MODEL_FILE = 'tfjs/model.json';
export const TFJS_WEIGHTS_FILE = 'tfjs/weights.bin';

/** A model directory's facts about the stored version it came from (name, version, ref, digest), written by `serve` and `package`. */
export const SERVED_MODEL_FILE = 'model.json';
