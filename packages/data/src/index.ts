// @mlship/data: readers, schemas, validation, profiles and drift statistics.
export * from './readers/index.js';
export * from './schema/index.js';
export * from './validate/index.js';
export * from './profile/index.js';
export * from './drift/index.js';
export { inferSchemaFromFile, validateFile, type InferSchemaOptions, type ValidateFileOptions, type FileValidationReport } from './validate-file.js';
export { profileFile, chartsOfProfile, type ProfileFileOptions } from './profile-file.js';
