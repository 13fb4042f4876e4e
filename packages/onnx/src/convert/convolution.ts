/** Conv2D and DepthwiseConv2D as ONNX Conv (channels first, explicit pads, grouped for depthwise). */
import { attr } from '../model.js';
import { applyActivation } from './activations.js';
import { layerWeight, pairOf, requireWeight } from './layer-converter.js';
import type { LayerContext, LayerConverter, LayerWeight } from './layer-converter.js';
import { spatialInput, windowAttributes } from './spatial.js';
import { transposeValues } from './tensor-value.js';

/** A Conv node; `weights` are already in ONNX order [out, in / group, kh, kw]. */
function emitConv(context: LayerContext, kernel: LayerWeight, group: number): ReturnType<LayerConverter> {
  const { builder, layer, config, outputShape, base } = context;
  const { x, perm, size } = spatialInput(context);
  const window = windowAttributes(context, size, pairOf(config.kernelSize, 'kernelSize', layer));
  const inputs = [x.name, builder.constantFloat(`${base}/kernel`, kernel.shape, kernel.values)];
  const bias = config.useBias === false ? undefined : layerWeight(layer, 'bias');
  if (bias) inputs.push(builder.constantFloat(`${base}/bias`, bias.shape, bias.values));
  const name = builder.addNode('Conv', inputs, `${base}/Conv`, {
    kernel_shape: attr.ints(window.kernel),
    strides: attr.ints(window.strides),
    dilations: attr.ints(window.dilations),
    pads: attr.ints(window.pads),
    group: attr.int(group),
  });
  return applyActivation(builder, { name, shape: outputShape, perm }, config.activation, base);
}

/** tfjs kernel [kh, kw, in, out] → ONNX [out, in, kh, kw]. */
const convertConv2D: LayerConverter = (context) => {
  const { shape, values } = requireWeight(context.layer, 'kernel');
  const perm = [3, 2, 0, 1];
  return emitConv(context, { shape: perm.map((axis) => shape[axis] ?? 1), values: transposeValues(values, shape, perm) }, 1);
};

/**
 * tfjs depthwise kernel [kh, kw, in, multiplier] → ONNX [in · multiplier, 1, kh, kw] with one group per
 * input channel; output channel c · multiplier + m comes from input channel c in both.
 */
const convertDepthwiseConv2D: LayerConverter = (context) => {
  const { shape, values } = requireWeight(context.layer, 'depthwise_kernel');
  const [kh = 1, kw = 1, channels = 1, multiplier = 1] = shape;
  const transposed = transposeValues(values, shape, [2, 3, 0, 1]);
  return emitConv(context, { shape: [channels * multiplier, 1, kh, kw], values: transposed }, channels);
};

export const convolutionConverters: Record<string, LayerConverter> = {
  Conv2D: convertConv2D,
  DepthwiseConv2D: convertDepthwiseConv2D,
};
