/**
 * The column types of a stored dataset's schema (`schema.yaml`, stored by `data register`), which
 * training reads for feature types (boolean, datetime, category, number; `unique` for ids) and the
 * label's type. A plain data file has none: types then come from the values.
 */
import { DATASET_SCHEMA_FILE, parseSchema } from '@mlship/data';
import type { SchemaColumn } from '../dataset/plan-columns.js';
import { readStoredFile } from './stored-model.js';

/** The schema's columns, or undefined when the dataset stores no schema. */
export async function datasetSchema(registry: string, ref: string): Promise<Record<string, SchemaColumn> | undefined> {
  const { resolveRef } = await import('@mlship/registry');
  const artifact = await resolveRef(registry, ref);
  if (!artifact.files.some((file) => file.name === DATASET_SCHEMA_FILE)) return undefined;
  const schema = parseSchema((await readStoredFile(registry, artifact, DATASET_SCHEMA_FILE)).toString('utf8'), `${ref} ${DATASET_SCHEMA_FILE}`);
  // fromEntries defines own properties: a column named __proto__ stays a column.
  return Object.fromEntries(Object.entries(schema.columns).map(([name, column]) => [name, { type: column.type, ...(column.unique ? { unique: true } : {}) }]));
}
