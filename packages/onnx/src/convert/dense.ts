/** Dense: MatMul with the [in, units] kernel, Add of the bias, then the activation. */
import { applyActivation } from './activations.js';
import { layerWeight, requireWeight } from './layer-converter.js';
import type { LayerConverter } from './layer-converter.js';
import { identityPerm, toLayout } from './tensor-value.js';

/** MatMul rather than Gemm: it also covers Dense on rank > 2 inputs (applied to the last axis, as tfjs does). */
const convertDense: LayerConverter = ({ builder, layer, config, input, outputShape, base }) => {
  const x = toLayout(builder, input, identityPerm(input.shape.length), base);
  const kernel = requireWeight(layer, 'kernel');
  let name = builder.addNode('MatMul', [x.name, builder.constantFloat(`${base}/kernel`, kernel.shape, kernel.values)], `${base}/MatMul`);
  const bias = config.useBias === false ? undefined : layerWeight(layer, 'bias');
  if (bias) name = builder.addNode('Add', [name, builder.constantFloat(`${base}/bias`, bias.shape, bias.values)], `${base}/BiasAdd`);
  return applyActivation(builder, { name, shape: outputShape, perm: x.perm }, config.activation, base);
};

export const denseConverters: Record<string, LayerConverter> = { Dense: convertDense };
