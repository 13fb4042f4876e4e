import { startBatchProfiler, fileSize, type BatchProfiler } from './batch-profiler.js';
import type { ProfileTableOptions, TableProfile } from './profile/index.js';
import { readColumnsWithRows, readRows, type ColumnBatch, type ReadTableOptions } from './readers/index.js';
import { FILE_PROFILE_QUANTILE_K } from './profile-file.js';
import { inferSchema, type InferOptions, type InferredSchema } from './schema/infer.js';
import { loadSchema } from './schema/schema-file.js';
import type { DataSchema } from './schema/types.js';
import { rowHashes, validateColumnBatches, validationModes, type ValidationReport } from './validate/validate.js';

export interface InferSchemaOptions extends ReadTableOptions, InferOptions {
  file: string;
}

/** `data infer-schema`: one pass over the file. */
export async function inferSchemaFromFile(options: InferSchemaOptions): Promise<InferredSchema & { file: string }> {
  const { file, label, margin, rowCount, ...read } = options;
  return { file, ...(await inferSchema(readRows(file, read), { label, margin, rowCount })) };
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

/** Passes batches through, then to `profiler` once the consumer is done with each (it asks for the next). */
async function* tapped(batches: AsyncIterable<ColumnBatch>, profiler: BatchProfiler): AsyncGenerator<ColumnBatch> {
  for await (const batch of batches) {
    yield batch;
    await profiler.add(batch);
  }
}

/** `data validate`: streams the file once (and `against` once) and checks it against the schema. */
export async function validateFile(options: ValidateFileOptions): Promise<FileValidationReport> {
  const { file, schema, against, skipPii, profile, ...read } = options;
  const parsed = typeof schema === 'string' ? await loadSchema(schema) : schema;
  // The other file's numbers are not needed, only its row hashes: read it all as cells (no parsing).
  const otherRows = against === undefined ? undefined : await rowHashes(readColumnsWithRows(against, { ...read, defaultMode: 'cells' }));
  const bytes = await fileSize(file);
  const profiler = profile === undefined ? undefined : startBatchProfiler({ quantileK: FILE_PROFILE_QUANTILE_K, ...(profile === true ? {} : profile) }, bytes);
  const columns = readColumnsWithRows(file, { ...read, modes: validationModes(parsed) });
  const batches = profiler ? tapped(columns, profiler) : columns;
  try {
    const report = await validateColumnBatches(batches, parsed, {
      ...(otherRows ? { against: otherRows } : {}),
      ...(skipPii ? { skipPii } : {}),
      // A rough row count (64 bytes a row) sizes the duplicate-row set once.
      duplicates: { expectedRows: Math.ceil(bytes / 64) },
    });
    return { file, schema: typeof schema === 'string' ? schema : null, ...report, ...(profiler ? { profile: await profiler.finish() } : {}) };
  } finally {
    await profiler?.close();
  }
}
