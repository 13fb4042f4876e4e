import { readTable, type ReadTableOptions } from './readers/index.js';
import { inferSchema, type InferredSchema } from './schema/infer.js';
import { loadSchema } from './schema/schema-file.js';
import type { DataSchema } from './schema/types.js';
import { rowHashes, validateBatches, type ValidationReport } from './validate/validate.js';

export interface InferSchemaOptions extends ReadTableOptions {
  file: string;
  label?: string;
}

/** `data infer-schema`: one pass over the file. */
export async function inferSchemaFromFile(options: InferSchemaOptions): Promise<InferredSchema & { file: string }> {
  const { file, label, ...read } = options;
  return { file, ...(await inferSchema(readTable(file, read), label === undefined ? {} : { label })) };
}

export interface ValidateFileOptions extends ReadTableOptions {
  file: string;
  /** A schema file path or a parsed schema. */
  schema: string | DataSchema;
  /** Another file whose rows must not appear in this one (train/test leakage). */
  against?: string;
  skipPii?: boolean;
}

export interface FileValidationReport extends ValidationReport {
  file: string;
  schema: string | null;
}

/** `data validate`: streams the file once (and `against` once) and checks it against the schema. */
export async function validateFile(options: ValidateFileOptions): Promise<FileValidationReport> {
  const { file, schema, against, skipPii, ...read } = options;
  const parsed = typeof schema === 'string' ? await loadSchema(schema) : schema;
  const otherRows = against === undefined ? undefined : await rowHashes(readTable(against, read));
  const report = await validateBatches(readTable(file, read), parsed, {
    ...(otherRows ? { against: otherRows } : {}),
    ...(skipPii ? { skipPii } : {}),
  });
  return { file, schema: typeof schema === 'string' ? schema : null, ...report };
}
