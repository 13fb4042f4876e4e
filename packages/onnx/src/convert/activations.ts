/** tfjs activation functions (the `activation` option of Dense, Conv2D, … and the Activation layer) as ONNX nodes. */
import type { GraphBuilder } from '../graph-builder.js';
import { attr } from '../model.js';
import { unsupported } from '../errors.js';
import { physicalAxis } from './tensor-value.js';
import type { TensorValue } from './tensor-value.js';

/** tfjs's SELU constants (activations.ts): scale·alpha and scale. */
const SELU_SCALE_ALPHA = 1.7580993408473768;
const SELU_SCALE = 1.0507009873554805;

type ActivationEmitter = (builder: GraphBuilder, x: string, base: string, value: TensorValue) => string;

const unary =
  (opType: string, attributes?: Parameters<GraphBuilder['addNode']>[3]): ActivationEmitter =>
  (builder, x, base) =>
    builder.addNode(opType, [x], `${base}/${opType}`, attributes);

/** x · f(x), for swish and mish. */
function selfGated(gate: (builder: GraphBuilder, x: string, base: string) => string): ActivationEmitter {
  return (builder, x, base) => builder.addNode('Mul', [x, gate(builder, x, base)], `${base}/Mul`);
}

/** Clip to [min, max]; since opset 11 the bounds are inputs. */
export function clip(builder: GraphBuilder, x: string, base: string, min: number, max: number): string {
  const lo = builder.constantFloat(`${base}/clip_min`, [], [min]);
  const hi = builder.constantFloat(`${base}/clip_max`, [], [max]);
  return builder.addNode('Clip', [x, lo, hi], `${base}/Clip`);
}

/** GELU with erf, as tfjs's `gelu`: x · 0.5 · (1 + erf(x / √2)). */
const gelu: ActivationEmitter = (builder, x, base) => {
  const scaled = builder.addNode('Div', [x, builder.constantFloat(`${base}/sqrt2`, [], [Math.SQRT2])], `${base}/Div`);
  const erf = builder.addNode('Erf', [scaled], `${base}/Erf`);
  const onePlus = builder.addNode('Add', [erf, builder.constantFloat(`${base}/one`, [], [1])], `${base}/Add`);
  const half = builder.addNode('Mul', [onePlus, builder.constantFloat(`${base}/half`, [], [0.5])], `${base}/Mul_half`);
  return builder.addNode('Mul', [x, half], `${base}/Mul`);
};

/** GELU with tanh, as tfjs's `gelu_new`: 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))). */
const geluTanh: ActivationEmitter = (builder, x, base) => {
  const square = builder.addNode('Mul', [x, x], `${base}/square`);
  const cube = builder.addNode('Mul', [square, x], `${base}/cube`);
  const scaledCube = builder.addNode('Mul', [cube, builder.constantFloat(`${base}/c`, [], [0.044715])], `${base}/Mul_c`);
  const inner = builder.addNode('Add', [x, scaledCube], `${base}/inner`);
  const scaled = builder.addNode('Mul', [inner, builder.constantFloat(`${base}/k`, [], [Math.sqrt(2 / Math.PI)])], `${base}/Mul_k`);
  const tanh = builder.addNode('Tanh', [scaled], `${base}/Tanh`);
  const onePlus = builder.addNode('Add', [tanh, builder.constantFloat(`${base}/one`, [], [1])], `${base}/Add`);
  const product = builder.addNode('Mul', [x, onePlus], `${base}/Mul_x`);
  return builder.addNode('Mul', [product, builder.constantFloat(`${base}/half`, [], [0.5])], `${base}/Mul`);
};

const ACTIVATIONS: Record<string, ActivationEmitter> = {
  relu: unary('Relu'),
  relu6: (builder, x, base) => clip(builder, x, base, 0, 6),
  sigmoid: unary('Sigmoid'),
  hardSigmoid: unary('HardSigmoid', { alpha: attr.float(0.2), beta: attr.float(0.5) }),
  tanh: unary('Tanh'),
  elu: unary('Elu', { alpha: attr.float(1) }),
  selu: unary('Selu', { alpha: attr.float(SELU_SCALE_ALPHA / SELU_SCALE), gamma: attr.float(SELU_SCALE) }),
  softplus: unary('Softplus'),
  softsign: unary('Softsign'),
  swish: selfGated((builder, x, base) => builder.addNode('Sigmoid', [x], `${base}/Sigmoid`)),
  mish: selfGated((builder, x, base) =>
    builder.addNode('Tanh', [builder.addNode('Softplus', [x], `${base}/Softplus`)], `${base}/Tanh`),
  ),
  gelu,
  gelu_new: geluTanh,
  softmax: (builder, x, base, value) => builder.addNode('Softmax', [x], `${base}/Softmax`, { axis: attr.int(physicalAxis(value, -1)) }),
  logSoftmax: (builder, x, base, value) =>
    builder.addNode('LogSoftmax', [x], `${base}/LogSoftmax`, { axis: attr.int(physicalAxis(value, -1)) }),
};

/** Names of the activations the exporter supports (tfjs identifiers). */
export const SUPPORTED_ACTIVATIONS: readonly string[] = ['linear', ...Object.keys(ACTIVATIONS)];

/**
 * Applies tfjs activation `name` to `value`. Elementwise activations keep the layout; softmax
 * follows the tfjs last axis wherever it is stored.
 */
export function applyActivation(builder: GraphBuilder, value: TensorValue, name: unknown, base: string): TensorValue {
  if (name === undefined || name === null || name === 'linear') return value;
  const emit = typeof name === 'string' ? ACTIVATIONS[name] : undefined;
  if (!emit) {
    throw unsupported(`activation ${JSON.stringify(name)} has no ONNX export (${base})`, { activation: name, supported: SUPPORTED_ACTIVATIONS });
  }
  return { ...value, name: emit(builder, value.name, `${base}/${name}`, value) };
}
