// @mlship/data: readers, profiles, schemas, validation and drift statistics.
export * from './readers/index.js';
export * from './drift/index.js';
export * from './profile/index.js';
