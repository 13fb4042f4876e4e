export * from './errors.js';
export * from './refs.js';
export * from './hashing.js';
export * from './atomic-fs.js';
export * from './reporter.js';
export * from './schema.js';
export * from './environment.js';
export * from './streams.js';
