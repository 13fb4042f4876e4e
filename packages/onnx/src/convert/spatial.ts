/** What convolution and pooling layers share: the channels-first layout ONNX wants, and their spatial options. */
import { unsupported } from '../errors.js';
import type { LayerContext } from './layer-converter.js';
import { pairOf } from './layer-converter.js';
import { spatialPads } from './padding.js';
import { channelsFirstPerm, identityPerm, toLayout } from './tensor-value.js';
import type { TensorValue } from './tensor-value.js';

export interface SpatialInput {
  /** The input stored channels first ([N, C, H, W]), as ONNX Conv and pooling need. */
  x: TensorValue;
  /** The layout of the layer's output: channels first, whatever the tfjs data format. */
  perm: number[];
  /** [H, W] of the input. */
  size: (number | null)[];
  channels: number | null;
}

/**
 * tfjs 'channelsLast' tensors are [N, H, W, C]: they are stored transposed to [N, C, H, W].
 * 'channelsFirst' tensors are already [N, C, H, W] in tfjs, so they stay as they are.
 */
export function spatialInput({ builder, layer, config, input, base }: LayerContext): SpatialInput {
  if (input.shape.length !== 4) throw unsupported(`layer ${layer.name} (${layer.getClassName()}): expected a rank-4 input, got rank ${input.shape.length}`);
  const channelsFirst = config.dataFormat === 'channelsFirst';
  const perm = channelsFirst ? identityPerm(4) : channelsFirstPerm(4);
  const x = toLayout(builder, input, perm, base);
  const [, a, b, c] = input.shape;
  return channelsFirst
    ? { x, perm, size: [b ?? null, c ?? null], channels: a ?? null }
    : { x, perm, size: [a ?? null, b ?? null], channels: c ?? null };
}

/** kernel_shape, strides, dilations and pads for a 2-D window of size `kernel`. */
export function windowAttributes(context: LayerContext, size: (number | null)[], kernel: [number, number]) {
  const { layer, config } = context;
  const strides = pairOf(config.strides ?? kernel, 'strides', layer);
  const dilations = config.dilationRate === undefined ? [1, 1] : pairOf(config.dilationRate, 'dilationRate', layer);
  const pads = spatialPads(config.padding, size, kernel, strides, dilations, `layer ${layer.name}`);
  return { kernel, strides, dilations, pads };
}
