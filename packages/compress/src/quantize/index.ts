/** Quantization passes (ONNX → ONNX): dynamic and static int8, float16. */
export { quantizeDynamic } from './quantize-dynamic.js';
export type { ConvMode, DynamicQuantizeOptions } from './quantize-dynamic.js';
export { quantizeStatic, activationParameters } from './quantize-static.js';
export type { StaticQuantizeOptions } from './quantize-static.js';
export { activationsToCalibrate, calibrateRanges } from './calibrate.js';
export type { ActivationRange, CalibrationMethod, StaticFormat } from './calibrate.js';
export { convertToFloat16 } from './float16.js';
export type { Fp16Mode } from './float16.js';
export type { QuantizableOp } from './targets.js';
export type { PerChannelOption } from './weight-quantization.js';
