/** Walks a tfjs model whose layers form one chain and converts each layer in turn. */
import type { LayersModel } from '@tensorflow/tfjs';
import { unsupported } from '../errors.js';
import type { GraphBuilder } from '../graph-builder.js';
import type { TfjsLayer } from './layer-converter.js';
import { findLayerConverter, supportedLayerClasses } from './layer-table.js';
import type { TensorValue } from './tensor-value.js';

/**
 * The model's layers in order, checking that each one takes the previous one's output: a
 * `tf.Sequential`, or a functional `tf.LayersModel` without branches, merges or shared layers.
 */
export function layerChain(model: LayersModel): TfjsLayer[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw unsupported(`model ${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; the exporter handles one of each`);
  }
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  layers.forEach((layer, i) => {
    const inbound = layer.inboundNodes.map((node) => node.inboundLayers);
    const previous = layers[i - 1];
    const source = inbound[0]?.[0];
    const chained = inbound.length === 1 && inbound[0]?.length === 1 && (previous ? source === previous : source?.getClassName() === 'InputLayer');
    if (!chained) {
      throw unsupported(`layer ${layer.name} (${layer.getClassName()}) does not simply follow the previous layer; the exporter handles chains of layers only`, {
        layer: layer.name,
      });
    }
  });
  const last = layers.at(-1);
  if (last && model.outputs[0]?.sourceLayer !== last) throw unsupported(`model ${model.name}: its output is not the last layer's`);
  return layers;
}

/** Adds every layer of `model` after `input` (the model's input value); returns the last layer's output value. */
export function convertLayers(builder: GraphBuilder, model: LayersModel, input: TensorValue): TensorValue {
  let value = input;
  for (const layer of layerChain(model)) {
    const className = layer.getClassName();
    const convert = findLayerConverter(className);
    if (!convert) {
      throw unsupported(`layer ${layer.name} of class ${className} has no ONNX export`, {
        layer: layer.name,
        className,
        supported: supportedLayerClasses(),
      });
    }
    const outputShape = layer.outputShape;
    if (outputShape.length > 0 && Array.isArray(outputShape[0])) throw unsupported(`layer ${layer.name} (${className}) has several outputs`);
    value = convert({
      builder,
      layer,
      config: layer.getConfig() as Record<string, unknown>,
      input: value,
      outputShape: outputShape as (number | null)[],
      base: layer.name,
    });
  }
  return value;
}
