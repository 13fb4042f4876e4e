/** What a layer converter receives and returns, and how it reads a tfjs layer. */
import type { LayersModel } from '@tensorflow/tfjs';
import type { GraphBuilder } from '../graph-builder.js';
import { unsupported } from '../errors.js';
import type { TensorValue } from './tensor-value.js';

export type TfjsLayer = LayersModel['layers'][number];

export interface LayerContext {
  builder: GraphBuilder;
  layer: TfjsLayer;
  /** `layer.getConfig()`. */
  config: Record<string, unknown>;
  input: TensorValue;
  /** The layer's tfjs output shape, batch first. */
  outputShape: (number | null)[];
  /** Prefix for the names of the nodes and constants this layer adds. */
  base: string;
}

/** Adds the ONNX nodes computing one tfjs layer in inference mode; returns the layer's output value. */
export type LayerConverter = (context: LayerContext) => TensorValue;

export interface LayerWeight {
  shape: number[];
  values: Float32Array;
}

/** The layer weight whose name ends in `/name` (tfjs names them `<layer>/kernel`, `<layer>/bias`, …). */
export function layerWeight(layer: TfjsLayer, name: string): LayerWeight | undefined {
  const variable = layer.weights.find((weight) => weight.originalName.split('/').pop() === name);
  if (!variable) return undefined;
  const tensor = variable.read();
  return { shape: tensor.shape, values: Float32Array.from(tensor.dataSync()) };
}

export function requireWeight(layer: TfjsLayer, name: string): LayerWeight {
  const weight = layerWeight(layer, name);
  if (!weight) throw new Error(`layer ${layer.name} (${layer.getClassName()}) has no weight named ${name}`);
  return weight;
}

/** tfjs spatial options come as a number or one number per spatial axis. */
export function pairOf(value: unknown, name: string, layer: TfjsLayer): [number, number] {
  const numbers = typeof value === 'number' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : [];
  const [first, second = first] = numbers;
  if (first !== undefined && second !== undefined && numbers.length <= 2) return [first, second];
  throw unsupported(`layer ${layer.name}: cannot read ${name} ${JSON.stringify(value)}`);
}
