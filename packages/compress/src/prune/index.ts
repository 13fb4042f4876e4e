/** Magnitude pruning with fine-tuning (tfjs), its schedule, and the sparse-weight encoding of the ONNX artifact. */
export { sparsityAt, checkSchedule, DEFAULT_POWER, type PruningSchedule } from './pruning-schedule.js';
export { pruneLayersModel, prunableWeights, DEFAULT_MIN_PARAMETERS, type PruneLayersOptions, type PrunedLayer, type PruneLayersResult } from './prune-layers-model.js';
export {
  encodeSparseWeights,
  sparseEntries,
  decodeSparseEntries,
  SPARSE_VALUES_SUFFIX,
  SPARSE_GAPS_SUFFIX,
  SPARSE_DIMS_SUFFIX,
  DEFAULT_MIN_SPARSITY,
  DEFAULT_MIN_ELEMENTS,
  type SparseEncodeOptions,
  type SparseWeight,
} from './sparse-weights.js';
