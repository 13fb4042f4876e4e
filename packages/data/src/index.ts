// @mlship/data: readers, schemas, validation, profiles and drift statistics.
export * from './readers/index.js';
export * from './schema/index.js';
export * from './validate/index.js';
export * from './profile/index.js';
export * from './drift/index.js';
