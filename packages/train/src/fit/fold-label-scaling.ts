/**
 * Regression trains on the standardised label z = (y − mean) / std. The output layer is a linear Dense
 * (ŷ_z = W·h + b), so ŷ = std·W·h + (std·b + mean): scaling its kernel and bias afterwards gives a
 * model that predicts in the label's own units, with nothing extra for the ONNX export to know.
 */
import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from '../tfjs.js';

export function foldLabelScaling(tf: Tf, model: LayersModel, scaling: { mean: number; std: number }): void {
  const output = model.layers[model.layers.length - 1];
  const config = output?.getConfig();
  if (!output || output.getClassName() !== 'Dense' || config?.activation !== 'linear') {
    throw new Error('foldLabelScaling needs a model that ends in a linear Dense layer');
  }
  const [kernel, bias] = output.getWeights();
  if (!kernel) throw new Error('the output layer has no kernel');
  const folded = tf.tidy(() => [tf.mul(kernel, scaling.std), ...(bias ? [tf.add(tf.mul(bias, scaling.std), scaling.mean)] : [])]);
  output.setWeights(folded);
  folded.forEach((tensor) => tensor.dispose());
}

/** The inverse of `foldLabelScaling`: back to predicting the standardised label, to train the model further. */
export function unfoldLabelScaling(tf: Tf, model: LayersModel, scaling: { mean: number; std: number }): void {
  foldLabelScaling(tf, model, { mean: -scaling.mean / scaling.std, std: 1 / scaling.std });
}
