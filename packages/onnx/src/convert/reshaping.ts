/** Flatten and Reshape, which follow tfjs's row-major order over the channels-last tfjs shape. */
import { unsupported } from '../errors.js';
import { attr } from '../model.js';
import type { LayerConverter } from './layer-converter.js';
import { identityPerm, toLayout } from './tensor-value.js';

/**
 * tfjs flattens [N, H, W, C] in that order, so the value is brought back to the tfjs layout first.
 * With dataFormat 'channelsFirst', tfjs moves the channels last before flattening, and so does this.
 */
const convertFlatten: LayerConverter = ({ builder, config, input, outputShape, base }) => {
  const rank = input.shape.length;
  const order = config.dataFormat === 'channelsFirst' && rank > 2 ? [0, ...identityPerm(rank).slice(2), 1] : identityPerm(rank);
  const x = toLayout(builder, input, order, base);
  const name = builder.addNode('Flatten', [x.name], `${base}/Flatten`, { axis: attr.int(1) });
  return { name, shape: outputShape, perm: identityPerm(2) };
};

/** The target shape without the batch; 0 in ONNX's Reshape keeps the batch size as it is. */
const convertReshape: LayerConverter = ({ builder, layer, config, input, outputShape, base }) => {
  const target = config.targetShape;
  if (!Array.isArray(target) || !target.every((dim) => typeof dim === 'number' && dim !== 0)) {
    throw unsupported(`layer ${layer.name}: cannot read targetShape ${JSON.stringify(target)}`);
  }
  const x = toLayout(builder, input, identityPerm(input.shape.length), base);
  const shape = builder.constantInt64(`${base}/shape`, [target.length + 1], [0, ...(target as number[])]);
  const name = builder.addNode('Reshape', [x.name, shape], `${base}/Reshape`);
  return { name, shape: outputShape, perm: identityPerm(outputShape.length) };
};

export const reshapingConverters: Record<string, LayerConverter> = { Flatten: convertFlatten, Reshape: convertReshape };
