/**
 * Gradient kernels that @tensorflow/tfjs-backend-wasm 4.22 lacks for training convolutional models,
 * written in plain JavaScript over the wasm heap and registered for backend 'wasm' when that backend
 * is activated. Of what a Conv2D / MaxPooling2D / AveragePooling2D / Dense model needs in backprop,
 * only Conv2DBackpropFilter is missing (Conv2DBackpropInput, MaxPoolGrad and AvgPoolGrad are native).
 */
import type { Tf } from '../tfjs.js';

/** The part of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfoLike;
  typedArrayFromHeap(info: TensorInfoLike): ArrayLike<number>;
}

interface TensorInfoLike {
  dataId: object;
  shape: number[];
  dtype: string;
}

interface Conv2DBackpropFilterAttrsLike {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | Array<[number, number]>;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** Kernel names registered here for 'wasm' (those it did not have already). */
export const WASM_CONV_GRADIENT_KERNELS = ['Conv2DBackpropFilter'] as const;

/**
 * dW[fh, fw, ci, co] = Σ_{b, oh, ow} x[b, oh·sh − top + fh, ow·sw − left + fw, ci] · dy[b, oh, ow, co],
 * channels last (NHWC input, HWIO filter), accumulated in float64.
 */
export function conv2DBackpropFilterNhwc(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  info: {
    batchSize: number;
    inHeight: number;
    inWidth: number;
    inChannels: number;
    outHeight: number;
    outWidth: number;
    outChannels: number;
    strideHeight: number;
    strideWidth: number;
    dilationHeight: number;
    dilationWidth: number;
    filterHeight: number;
    filterWidth: number;
    padInfo: { top: number; left: number };
  },
): Float64Array {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels: co } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: fhN, filterWidth: fwN } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(fhN * fwN * ci * co);
  const xRow = inWidth * ci;
  const xImage = inHeight * xRow;
  for (let b = 0; b < batchSize; b++) {
    const xB = b * xImage;
    for (let oh = 0; oh < outHeight; oh++) {
      const yBase = oh * sh - top;
      for (let ow = 0; ow < outWidth; ow++) {
        const xBase = ow * sw - left;
        const dyOff = ((b * outHeight + oh) * outWidth + ow) * co;
        for (let fh = 0; fh < fhN; fh++) {
          const xr = yBase + fh * dh;
          if (xr < 0 || xr >= inHeight) continue;
          for (let fw = 0; fw < fwN; fw++) {
            const xc = xBase + fw * dw;
            if (xc < 0 || xc >= inWidth) continue;
            const xOff = xB + xr * xRow + xc * ci;
            const wOff = (fh * fwN + fw) * ci * co;
            for (let c = 0; c < ci; c++) {
              const xv = x[xOff + c]!;
              if (xv === 0) continue;
              const w = wOff + c * co;
              for (let o = 0; o < co; o++) acc[w + o]! += xv * dy[dyOff + o]!;
            }
          }
        }
      }
    }
  }
  return acc;
}

function conv2DBackpropFilter(tf: Tf) {
  return ({ inputs, backend, attrs }: { inputs: Record<string, TensorInfoLike>; backend: unknown; attrs?: unknown }): TensorInfoLike => {
    const wasm = backend as WasmHeapBackend;
    const { x, dy } = inputs as { x: TensorInfoLike; dy: TensorInfoLike };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as Conv2DBackpropFilterAttrsLike;
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`Conv2DBackpropFilter (wasm): float32 only, got x ${x.dtype}, dy ${dy.dtype}`);
    const format = tf.backend_util.convertConv2DDataFormat(dataFormat ?? 'NHWC');
    if (format !== 'channelsLast') throw new Error('Conv2DBackpropFilter (wasm): only channels-last (NHWC) data is supported');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad as Parameters<Tf['backend_util']['computeConv2DInfo']>[4],
      dimRoundingMode,
      false,
      format,
    );
    const out = wasm.makeOutput(info.filterShape, 'float32');
    // Views taken after the allocation above (growing the heap detaches earlier views).
    const acc = conv2DBackpropFilterNhwc(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(dy), info);
    (wasm.typedArrayFromHeap(out) as Float32Array).set(acc);
    return out;
  };
}

/** Registers the kernels above for 'wasm' (once; a kernel wasm already has is left alone). */
export function registerWasmConvKernels(tf: Tf): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: conv2DBackpropFilter(tf) as unknown as Parameters<Tf['registerKernel']>[0]['kernelFunc'],
  });
}
