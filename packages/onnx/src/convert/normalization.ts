/** BatchNormalization in inference form, folded to y = x · scale + shift along the normalised axis. */
import { unsupported } from '../errors.js';
import type { GraphBuilder } from '../graph-builder.js';
import { layerWeight, requireWeight } from './layer-converter.js';
import type { LayerConverter } from './layer-converter.js';
import { physicalAxis } from './tensor-value.js';
import type { TensorValue } from './tensor-value.js';

/**
 * A per-channel constant shaped to broadcast along tfjs axis `axis` of `value` as it is stored:
 * [C] when that axis is stored last, [C, 1, 1] when it is stored third from last, and so on.
 */
export function channelConstant(builder: GraphBuilder, value: TensorValue, axis: number, name: string, values: Float32Array): string {
  const position = physicalAxis(value, axis);
  const dims = [values.length, ...new Array<number>(value.shape.length - position - 1).fill(1)];
  return builder.constantFloat(name, dims, values);
}

/** scale = γ / √(var + ε), shift = β − mean · scale; tfjs omits γ without `scale` and β without `center`. */
const convertBatchNormalization: LayerConverter = ({ builder, layer, config, input, base }) => {
  const rawAxis = config.axis ?? -1;
  if (typeof rawAxis !== 'number') throw unsupported(`layer ${layer.name}: BatchNormalization over several axes has no ONNX export`);
  const axis = rawAxis < 0 ? input.shape.length + rawAxis : rawAxis;
  const epsilon = typeof config.epsilon === 'number' ? config.epsilon : 1e-3;
  const mean = requireWeight(layer, 'moving_mean').values;
  const variance = requireWeight(layer, 'moving_variance').values;
  const gamma = config.scale === false ? undefined : layerWeight(layer, 'gamma')?.values;
  const beta = config.center === false ? undefined : layerWeight(layer, 'beta')?.values;
  const scale = mean.map((_, c) => (gamma?.[c] ?? 1) / Math.sqrt((variance[c] ?? 1) + epsilon));
  const shift = mean.map((m, c) => (beta?.[c] ?? 0) - m * (scale[c] ?? 1));
  const scaled = builder.addNode('Mul', [input.name, channelConstant(builder, input, axis, `${base}/scale`, scale)], `${base}/Mul`);
  const name = builder.addNode('Add', [scaled, channelConstant(builder, input, axis, `${base}/shift`, shift)], `${base}/Add`);
  return { ...input, name };
};

export const normalizationConverters: Record<string, LayerConverter> = { BatchNormalization: convertBatchNormalization };
