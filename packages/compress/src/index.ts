/** @mlship/compress: quantization (on ONNX), pruning and distillation (on tfjs), with reports and gates. */
export * from './types.js';
export { CompressErrorCode } from './errors.js';
export { cloneModel, initializerMap, consumersOf, NameAllocator, defaultOpset, floatValues, dropUnusedInitializers } from './graph-edit.js';
export * from './quantize/index.js';
export * from './prune/index.js';
export * from './distill/index.js';
export * from './measure/index.js';
export { registerCompressionMethod, registeredCompressionMethods, compressionMethod, type CompressionMethod, type CompressSettings, type MethodContext, type MethodResult, type EpochProgress } from './methods.js';
export { DEFAULT_PRUNE_EPOCHS, DEFAULT_DISTILL_EPOCHS, DISTILL_LEARNING_RATE_FACTOR, DEFAULT_STUDENT, PRUNE_END_FRACTION } from './builtin-methods.js';
export { buildReport, judgeGate, renderReportMarkdown, reportHighlights, reportRows, REPORT_FORMAT, type CompressionReport, type ModelFigures, type GateResult } from './report.js';
export {
  compressModel,
  resolveSettings,
  DEFAULT_MAX_ACCURACY_DROP,
  DEFAULT_CALIBRATION_ROWS,
  DEFAULT_LATENCY_CALLS,
  type CompressModelOptions,
  type CompressModelResult,
  type CompressStage,
} from './compress-model.js';
export { loadSourceModel, type SourceModel, type ModelFactsRecord } from './source-model.js';
export { loadEvaluationData, loadCalibrationRows, type EvaluationData, type InputRows } from './evaluation-data.js';
