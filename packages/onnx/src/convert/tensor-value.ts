/**
 * A value flowing through the exported graph, seen against the tfjs tensor it stands for.
 * ONNX convolutions want channels first while tfjs keeps channels last, so a value may be stored
 * transposed: `perm[i]` is the tfjs axis held in physical axis `i`. Layers that need a layout ask
 * for it with {@link toLayout}; transposes are inserted only where the layout changes.
 */
import type { GraphBuilder } from '../graph-builder.js';
import { attr } from '../model.js';

export interface TensorValue {
  name: string;
  /** The tfjs shape, batch first (`null` for the batch and any unknown size). */
  shape: (number | null)[];
  perm: number[];
}

export function identityPerm(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

/** Channels-last tfjs tensors ([N, …spatial, C]) stored channels first ([N, C, …spatial]). */
export function channelsFirstPerm(rank: number): number[] {
  return [0, rank - 1, ...identityPerm(rank).slice(1, rank - 1)];
}

/** The physical axis holding tfjs axis `axis` (negative counts from the end). */
export function physicalAxis(value: TensorValue, axis: number): number {
  const tfjsAxis = axis < 0 ? value.shape.length + axis : axis;
  return value.perm.indexOf(tfjsAxis);
}

/** Returns `value` stored with layout `perm`, adding a Transpose node when it is stored otherwise. */
export function toLayout(builder: GraphBuilder, value: TensorValue, perm: number[], base: string): TensorValue {
  if (perm.every((axis, i) => value.perm[i] === axis)) return value;
  const transpose = perm.map((axis) => value.perm.indexOf(axis));
  const name = builder.addNode('Transpose', [value.name], `${base}/transpose`, { perm: attr.ints(transpose) });
  return { name, shape: value.shape, perm };
}

/** Reorders row-major `values` of `shape` by `perm` (as numpy's transpose), e.g. tfjs kernels into ONNX order. */
export function transposeValues(values: ArrayLike<number>, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((axis) => shape[axis] ?? 1);
  const inStrides = stridesOf(shape);
  const out = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let d = 0; d < rank; d++) source += (index[d] ?? 0) * (inStrides[perm[d] ?? 0] ?? 0);
    out[o] = values[source] ?? 0;
    for (let d = rank - 1; d >= 0; d--) {
      index[d] = (index[d] ?? 0) + 1;
      if ((index[d] ?? 0) < (outShape[d] ?? 1)) break;
      index[d] = 0;
    }
  }
  return out;
}

function stridesOf(shape: number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = (strides[d + 1] ?? 1) * (shape[d + 1] ?? 1);
  return strides;
}
