export * from './types.js';
export * from './values.js';
export { dataSchemaJsonSchema } from './json-schema.js';
export { inferSchema, type InferOptions, type InferredSchema } from './infer.js';
export { loadSchema, parseSchema, renderSchema, SchemaErrorCode } from './schema-file.js';
