import { createTableProfiler, type ProfileTableOptions, type TableProfile, type TableProfiler } from './profile/index.js';
import { readRows, type ReadTableOptions, type RowBatch } from './readers/index.js';
import { FILE_PROFILE_QUANTILE_K, toProfileBatch } from './profile-file.js';
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
  return { file, ...(await inferSchema(readRows(file, read), label === undefined ? {} : { label })) };
}

export interface ValidateFileOptions extends ReadTableOptions {
  file: string;
  /** A schema file path or a parsed schema. */
  schema: string | DataSchema;
  /** Another file whose rows must not appear in this one (train/test leakage). */
  against?: string;
  skipPii?: boolean;
  /** Also profile the file in the same pass (the profile is then in the result). */
  profile?: ProfileTableOptions | true;
}

export interface FileValidationReport extends ValidationReport {
  file: string;
  schema: string | null;
  /** Present when `profile` was asked for. */
  profile?: TableProfile;
}

/** Passes batches through, feeding each to `profiler` first. */
async function* tapped(batches: AsyncIterable<RowBatch>, profiler: TableProfiler): AsyncGenerator<RowBatch> {
  for await (const batch of batches) {
    profiler.addBatch(toProfileBatch(batch));
    yield batch;
  }
}

/** `data validate`: streams the file once (and `against` once) and checks it against the schema. */
export async function validateFile(options: ValidateFileOptions): Promise<FileValidationReport> {
  const { file, schema, against, skipPii, profile, ...read } = options;
  const parsed = typeof schema === 'string' ? await loadSchema(schema) : schema;
  const otherRows = against === undefined ? undefined : await rowHashes(readRows(against, read));
  const profiler = profile === undefined ? undefined : createTableProfiler({ quantileK: FILE_PROFILE_QUANTILE_K, ...(profile === true ? {} : profile) });
  const batches = profiler ? tapped(readRows(file, read), profiler) : readRows(file, read);
  const report = await validateBatches(batches, parsed, {
    ...(otherRows ? { against: otherRows } : {}),
    ...(skipPii ? { skipPii } : {}),
  });
  return { file, schema: typeof schema === 'string' ? schema : null, ...report, ...(profiler ? { profile: profiler.toJSON() } : {}) };
}
