/** @mlship/train: tfjs training from a spec, backend resolution, evaluation and model cards. */
// The built-in training backends register in the backend table here, at the package entry.
import './backend/builtin-backends.js';

export { TrainErrorCode, ModelErrorCode } from './errors.js';

// Specs
export * from './spec/train-spec.js';
export { trainSpecJsonSchema } from './spec/train-spec-json-schema.js';
export { parseTrainSpec, loadTrainSpec, requireTrainSpec } from './spec/load-train-spec.js';
export { checkTrainSpec, taskOfLoss, type SpecProblems } from './spec/check-train-spec.js';
export { resolveTrainSpec, splitPlanOf, defaultEpochs, defaultBatchSize, TARGET_STEPS, MIN_EPOCHS, MAX_EPOCHS, type ResolveContext, type SplitPlan } from './spec/resolve-train-spec.js';
export { inferTask, MAX_INTEGER_CLASSES, MIN_ID_RUN, type TaskInference, type InferTaskOptions } from './spec/infer-task.js';
export { defaultTrainSpec, MAX_DEFAULT_CATEGORIES, type DefaultSpecOptions, type DefaultSpec } from './spec/default-train-spec.js';

// Data
export { loadTable, columnCells, type Table } from './dataset/load-table.js';
export { splitRows, splitParts, foldRows, stratumQuotas, validationSize, type SplitOptions, type RowSplit, type PartsOptions, type RowParts } from './dataset/split-rows.js';
export { planColumns, derivedName, MIN_ID_ROWS, type FeatureKind, type ColumnUse, type ColumnPlan, type PlanColumnsOptions, type SchemaColumn } from './dataset/plan-columns.js';
export { fitPreprocessing, meanAndStd, median, MAX_ONEHOT_CATEGORIES } from './dataset/fit-preprocessing.js';
export { rawColumns, rawInputs, recordValue, rowRecord, fieldPositions, unfillable, encodeInputs, modelInputShape } from './dataset/encode-rows.js';
export { prepareData, type PrepareDataOptions, type PreparedData, type EncodedPart, type LabelType, type PartSource } from './dataset/prepare-data.js';
export { classWeightsFor } from './dataset/class-weights.js';

// Backends
export {
  registerBackend,
  registeredBackends,
  autoOrder,
  resolveBackend,
  type TrainingBackend,
  type BackendActivation,
  type BackendChoice,
  type ResolveBackendOptions,
} from './backend/training-backend.js';
export { tensorflowBackend, resolvePackage, TENSORFLOW_PACKAGES, type TensorflowBackendOptions } from './backend/tensorflow-backend.js';
export { loadTfjs, type Tf } from './tfjs.js';

// Models and training
export { buildModel, mlpLayers, layerSeed, type BuildModelOptions } from './model/build-model.js';
export { compileModel, makeOptimizer, trackedMetric } from './model/compile-model.js';
export { createEarlyStopping, monitorMode, type EarlyStoppingConfig, type EarlyStoppingTracker } from './fit/early-stopping.js';
export { fitEpochs, type FitEpochsOptions, type FitEpochsResult, type EpochRecord, type EpochEvent, type BatchEvent } from './fit/fit-epochs.js';
export { foldLabelScaling, unfoldLabelScaling } from './fit/fold-label-scaling.js';
export { trainModel, trialStep, fitPrepared, modelBuilder, type TrainModelOptions, type TrainModelResult, type HeldOut, type PartRows, type FitPreparedOptions } from './train-model.js';
export { weightsDigest } from './weights-digest.js';

// Evaluation, gates and model cards
export * from './evaluate/index.js';

// Train, evaluate, export and store (what `mlship train` runs)
export { trainAndStore, type TrainAndStoreOptions, type TrainAndStoreResult } from './train-and-store.js';
export { storeVersion, type StoreVersionOptions, type StoredVersion, type Promotion } from './store/store-version.js';
/** The stored model's file names live beside the signature format in @mlship/onnx. */
export { MODEL_FILES, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from '@mlship/onnx';
export { resolveTrainingData, type TrainingData } from './store/training-data.js';
export { layersModelFiles } from './store/layers-model-files.js';
export { evaluateHeldOut, DEFAULT_STORE_IMPORTANCE_REPEATS, type HeldOutEvaluation, type EvaluateHeldOutOptions } from './store/evaluate-held-out.js';

// Models in the registry: import an ONNX file, evaluate a stored model, export its files
export { importModel, signatureProblems, graphInterface, defaultOpsetOf, type ImportModelOptions, type ImportModelResult } from './model-import.js';
export { evaluateModel, type EvaluateModelOptions, type EvaluateModelResult } from './model-evaluate.js';
export { exportModel, exportPlan, EXPORT_FORMATS, type ExportFormat, type ExportModelOptions, type ExportModelResult } from './model-export.js';
export { resolveModelRef, readStoredFile, readStoredOnnx, writeStoredFile } from './store/stored-model.js';
export { featureColumns, inputRows, inputDims, classificationInput, type ModelFacts } from './model-inputs.js';
export { numberOfCell, textOfCell } from './dataset/cells.js';
