/** Layers that only apply an activation, and layers that are the identity at inference (dropout, noise). */
import { attr } from '../model.js';
import { applyActivation, clip } from './activations.js';
import { requireWeight } from './layer-converter.js';
import type { LayerConverter } from './layer-converter.js';
import { physicalAxis, transposeValues } from './tensor-value.js';

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

const convertActivation: LayerConverter = ({ builder, config, input, base }) => applyActivation(builder, input, config.activation, base);

/** ReLU with an optional `maxValue` cap. */
const convertReLU: LayerConverter = ({ builder, config, input, base }) => {
  const name =
    typeof config.maxValue === 'number'
      ? clip(builder, input.name, base, 0, config.maxValue)
      : builder.addNode('Relu', [input.name], `${base}/Relu`);
  return { ...input, name };
};

/** A one-node activation whose float attribute `alpha` comes from config key `key`. */
const withAlpha =
  (opType: string, key: string, fallback: number): LayerConverter =>
  ({ builder, config, input, base }) => ({
    ...input,
    name: builder.addNode(opType, [input.name], `${base}/${opType}`, { alpha: attr.float(numberOr(config[key], fallback)) }),
  });

const convertSoftmax: LayerConverter = ({ builder, config, input, base }) => ({
  ...input,
  name: builder.addNode('Softmax', [input.name], `${base}/Softmax`, { axis: attr.int(physicalAxis(input, numberOr(config.axis, -1))) }),
});

/** PReLU's slope has the input's shape without the batch; it is stored in the input's layout. */
const convertPReLU: LayerConverter = ({ builder, layer, input, base }) => {
  const alpha = requireWeight(layer, 'alpha');
  const perm = input.perm.slice(1).map((axis) => axis - 1);
  const slope = builder.constantFloat(
    `${base}/alpha`,
    perm.map((axis) => alpha.shape[axis] ?? 1),
    transposeValues(alpha.values, alpha.shape, perm),
  );
  return { ...input, name: builder.addNode('PRelu', [input.name, slope], `${base}/PRelu`) };
};

const passThrough: LayerConverter = ({ input }) => input;

export const activationLayerConverters: Record<string, LayerConverter> = {
  Activation: convertActivation,
  ReLU: convertReLU,
  LeakyReLU: withAlpha('LeakyRelu', 'alpha', 0.3),
  ELU: withAlpha('Elu', 'alpha', 1),
  ThresholdedReLU: withAlpha('ThresholdedRelu', 'theta', 1),
  Softmax: convertSoftmax,
  PReLU: convertPReLU,
  Dropout: passThrough,
  SpatialDropout1D: passThrough,
  GaussianNoise: passThrough,
  GaussianDropout: passThrough,
  AlphaDropout: passThrough,
};
