/** Measuring models for the compression report: file size and parameters, ONNX Runtime latency. */
export { measureModelSize, type ModelSize } from './model-size.js';
export { measureLatency, type LatencyInput, type BatchLatency, type LatencyFigures, type LatencyOptions } from './latency.js';
