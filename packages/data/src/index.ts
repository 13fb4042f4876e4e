// @mlship/data: readers, schemas, validation, profiles and drift statistics.
export * from './readers/index.js';
export * from './schema/index.js';
export * from './validate/index.js';
export * from './profile/index.js';
export * from './drift/index.js';
export { inferSchemaFromFile, validateFile, type InferSchemaOptions, type ValidateFileOptions, type FileValidationReport } from './validate-file.js';
export { WORKER_MIN_BYTES } from './batch-profiler.js';
export { profileFile, chartsOfProfile, toProfileBatch, FILE_PROFILE_QUANTILE_K, type ProfileFileOptions } from './profile-file.js';
export { driftOfProfiles, type ProfileDriftOptions, type ProfileDriftReport, type ColumnDriftReport } from './profile-drift.js';
export {
  loadProfileSource,
  resolveDataFile,
  datasetDataFile,
  DATASET_PROFILE_FILE,
  DATASET_SCHEMA_FILE,
  DATASET_REPORT_FILE,
  type ProfileSource,
  type LoadProfileSourceOptions,
  type DataFile,
  type ResolveDataFileOptions,
} from './dataset-source.js';
export {
  registerDataset,
  type RegisterDatasetOptions,
  type RegisterDatasetResult,
  type DatasetFacts,
} from './register-dataset.js';
export { writeMaskedTable, type MaskTableOptions, type MaskTableResult } from './mask-table.js';
