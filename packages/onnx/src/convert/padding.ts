/** ONNX `pads` for tfjs padding modes of convolutions and pooling. */
import { unsupported } from '../errors.js';

/**
 * `[begin…, end…]` pads over the spatial axes. tfjs 'same' gives ceil(in / stride) outputs and puts
 * the odd pixel at the end (as TensorFlow does); 'valid' pads nothing.
 */
export function spatialPads(
  padding: unknown,
  inputSize: (number | null)[],
  kernel: number[],
  strides: number[],
  dilations: number[],
  where: string,
): number[] {
  if (padding === 'valid') return new Array<number>(inputSize.length * 2).fill(0);
  if (padding !== 'same') throw unsupported(`${where}: padding ${JSON.stringify(padding)} has no ONNX export`);
  const begin: number[] = [];
  const end: number[] = [];
  inputSize.forEach((size, i) => {
    if (size === null) throw unsupported(`${where}: 'same' padding needs fixed spatial sizes`);
    const stride = strides[i] ?? 1;
    const effectiveKernel = ((kernel[i] ?? 1) - 1) * (dilations[i] ?? 1) + 1;
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + effectiveKernel - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return [...begin, ...end];
}
