/** 2-D pooling: MaxPool and AveragePool (padding excluded from averages, as in tfjs), and global pooling as reductions. */
import { attr } from '../model.js';
import { pairOf } from './layer-converter.js';
import type { LayerConverter } from './layer-converter.js';
import { spatialInput, windowAttributes } from './spatial.js';
import { physicalAxis } from './tensor-value.js';

function windowPooling(opType: 'MaxPool' | 'AveragePool'): LayerConverter {
  return (context) => {
    const { builder, layer, config, outputShape, base } = context;
    const { x, perm, size } = spatialInput(context);
    const window = windowAttributes(context, size, pairOf(config.poolSize, 'poolSize', layer));
    const name = builder.addNode(opType, [x.name], `${base}/${opType}`, {
      kernel_shape: attr.ints(window.kernel),
      strides: attr.ints(window.strides),
      pads: attr.ints(window.pads),
      ...(opType === 'AveragePool' ? { count_include_pad: attr.int(0) } : {}),
    });
    return { name, shape: outputShape, perm };
  };
}

/** Reduces the spatial axes wherever they are stored; the remaining axes keep their relative order. */
function globalPooling(opType: 'ReduceMean' | 'ReduceMax'): LayerConverter {
  return ({ builder, config, input, outputShape, base }) => {
    const spatial = config.dataFormat === 'channelsFirst' ? [2, 3] : [1, 2];
    const keepDims = config.keepDims === true;
    const axes = spatial.map((axis) => physicalAxis(input, axis));
    const name = builder.addNode(opType, [input.name], `${base}/${opType}`, { axes: attr.ints(axes), keepdims: attr.int(keepDims ? 1 : 0) });
    if (keepDims) return { name, shape: outputShape, perm: input.perm };
    // The tfjs axes left, in their stored order, renumbered 0..rank-3.
    const kept = input.perm.filter((axis) => !spatial.includes(axis));
    const sorted = [...kept].sort((a, b) => a - b);
    const perm = kept.map((axis) => sorted.indexOf(axis));
    return { name, shape: outputShape, perm };
  };
}

export const poolingConverters: Record<string, LayerConverter> = {
  MaxPooling2D: windowPooling('MaxPool'),
  AveragePooling2D: windowPooling('AveragePool'),
  GlobalMaxPooling2D: globalPooling('ReduceMax'),
  GlobalAveragePooling2D: globalPooling('ReduceMean'),
};
