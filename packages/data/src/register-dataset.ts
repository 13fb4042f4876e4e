/**
 * `data register`: validate, profile and store a dataset as `datasets/NAME:N`, with its schema,
 * profile and validation report beside the file, so training can name it and drift can compare
 * against its profile without reading the data again.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ErrorCode, ExitCode, MlshipError, digestFile, type PiiCounts } from '@mlship/core';
import { DATASET_PROFILE_FILE, DATASET_REPORT_FILE, DATASET_SCHEMA_FILE } from './dataset-source.js';
import type { ReadTableOptions } from './readers/index.js';
import { writeMaskedTable } from './mask-table.js';
import { loadSchema, renderSchema } from './schema/schema-file.js';
import type { DataSchema } from './schema/types.js';
import { inferSchemaFromFile, validateFile, type FileValidationReport } from './validate-file.js';

export interface RegisterDatasetOptions extends ReadTableOptions {
  registry: string;
  file: string;
  name: string;
  /** A schema file; without it one is inferred from the file (so only dataset-wide checks can fail). */
  schema?: string;
  /** The label column, for an inferred schema. */
  label?: string;
  /** Store the dataset even when an error-level check fails (marked `status: failed`). */
  allowInvalid?: boolean;
  /**
   * Store the file as it is even when it holds personal data. By default a file with values the PII
   * detectors flag is stored as a masked copy (each such value replaced by its placeholder).
   */
  keepPii?: boolean;
  parents?: string[];
  /** Key=value pairs (`--meta`), stored as the metadata's `labels`. */
  metadataLabels?: Record<string, string>;
  /**
   * Store a new version even when the latest one of the name is the same dataset: the same data file
   * (name and digest) and schema, parents and status. By default that version is returned (`reused`).
   */
  newVersion?: boolean;
  onProgress?: (event: { file: string; bytes: number; totalBytes: number | undefined }) => void;
}

/** What `registry show` lists under `extra.dataset` for a registered dataset. */
export interface DatasetFacts {
  file: string;
  digest: string;
  size: number;
  rows: number;
  columns: string[];
  schema: 'given' | 'inferred';
  validation: { ok: boolean; errors: number; warnings: number; failed: string[] };
  /**
   * Personal data found, by column and kind. `masked`: the stored file is a copy with those values
   * replaced (`digest` is the copy's, `sourceDigest` the original's); false only with `keepPii`.
   */
  pii?: { masked: boolean; sourceDigest: string; columns: Record<string, PiiCounts> };
}

export interface RegisterDatasetResult {
  ref: string;
  version: number;
  digest: string;
  status: 'ok' | 'failed';
  /** True when the latest version was the same dataset and was returned instead of a new one. */
  reused: boolean;
  dataset: DatasetFacts;
  report: FileValidationReport;
}

const failedChecks = (report: Pick<FileValidationReport, 'checks'>) =>
  report.checks.filter((check) => check.status === 'fail' && check.severity === 'error').map((check) => (check.column === null ? check.check : `${check.check}[${check.column}]`));

/**
 * Validates and profiles the file in one pass (after one more to infer a schema when none is
 * given), then stores it. Invalid data is refused with MLSHIP_E_CHECK_FAILED (exit 1) and nothing
 * is stored, unless `allowInvalid`.
 */
export async function registerDataset(options: RegisterDatasetOptions): Promise<RegisterDatasetResult> {
  const { registry, file, name, schema, label, allowInvalid, keepPii, parents, metadataLabels, newVersion, onProgress, ...read } = options;
  let parsed: DataSchema;
  if (schema !== undefined) parsed = await loadSchema(schema);
  else parsed = (await inferSchemaFromFile({ file, ...read, ...(label !== undefined ? { label } : {}) })).schema;
  const { profile, ...report } = await validateFile({ file, schema: parsed, profile: true, ...read });
  const failed = failedChecks(report);
  if (failed.length > 0 && !allowInvalid) {
    throw new MlshipError(ErrorCode.checkFailed, `${file} fails ${failed.length} check(s): ${failed.slice(0, 5).join(', ')}${failed.length > 5 ? ', …' : ''}; nothing stored`, {
      hint: 'see `mlship data validate` for the details, fix the data or the schema, or pass --allow-invalid',
      exitCode: ExitCode.checkFailed,
      details: { checks: report.checks.filter((check) => check.status === 'fail') },
    });
  }
  const fileReport: FileValidationReport = { ...report, file: basename(file), schema: schema === undefined ? null : DATASET_SCHEMA_FILE };
  const status = failed.length === 0 ? 'ok' : 'failed';
  const staging = await mkdtemp(join(tmpdir(), 'mlship-register-'));
  try {
    const holdsPii = report.checks.some((check) => check.check.startsWith('pii_') && check.status === 'fail');
    let storedFile = file;
    let pii: DatasetFacts['pii'];
    if (holdsPii) {
      const source = await digestFile(file);
      if (keepPii) pii = { masked: false, sourceDigest: source.digest, columns: piiColumns(report) };
      else {
        storedFile = join(staging, 'masked', basename(file));
        await mkdir(join(staging, 'masked'));
        const masked = await writeMaskedTable({ file, out: storedFile, ...read });
        pii = { masked: true, sourceDigest: source.digest, columns: masked.pii };
      }
    }
    const { digest, size } = await digestFile(storedFile);
    const dataset: DatasetFacts = {
      file: basename(file),
      digest,
      size,
      rows: report.rows,
      columns: report.columns,
      schema: schema === undefined ? 'inferred' : 'given',
      validation: { ok: failed.length === 0, errors: report.errors, warnings: report.warnings, failed },
      ...(pii ? { pii } : {}),
    };
    const schemaPath = join(staging, DATASET_SCHEMA_FILE);
    const profilePath = join(staging, DATASET_PROFILE_FILE);
    const reportPath = join(staging, DATASET_REPORT_FILE);
    await writeFile(schemaPath, renderSchema(parsed));
    await writeFile(profilePath, `${JSON.stringify(profile)}\n`);
    await writeFile(reportPath, `${JSON.stringify(fileReport, null, 2)}\n`);
    const { putArtifact } = await import('@mlship/registry');
    const stored = await putArtifact({
      registry,
      kind: 'datasets',
      name,
      files: [{ path: storedFile }, { path: schemaPath }, { path: profilePath }, { path: reportPath }],
      ...(parents && parents.length > 0 ? { parents } : {}),
      ...(metadataLabels ? { metadataLabels } : {}),
      status,
      metrics: { rows: report.rows, columns: report.columns.length, errors: report.errors, warnings: report.warnings },
      extra: { dataset },
      // The data and its schema make the dataset; the profile and report are computed from them.
      reuse: newVersion ? false : { files: [basename(storedFile), DATASET_SCHEMA_FILE] },
      ...(onProgress ? { onProgress } : {}),
    });
    return { ref: stored.ref, version: stored.version, digest: stored.digest, status: stored.status ?? status, reused: stored.reused, dataset, report: fileReport };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Counts by column and kind from the validation report's pii_* checks. */
function piiColumns(report: Pick<FileValidationReport, 'checks'>): Record<string, PiiCounts> {
  const columns: Record<string, PiiCounts> = Object.create(null);
  for (const check of report.checks) {
    if (!check.check.startsWith('pii_') || check.status !== 'fail' || check.column === null) continue;
    const counts = (columns[check.column] ??= {});
    counts[check.check.slice(4) as keyof PiiCounts] = check.count;
  }
  return columns;
}
