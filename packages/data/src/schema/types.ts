/** The data schema file (`schema.yaml`): what `data infer-schema` writes and `data validate` checks. */
import type { PiiKind } from '@mlship/core';

export const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'category', 'datetime'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ColumnSchema {
  type: ColumnType;
  /** false: no nulls allowed. Omitted or true: nulls allowed up to `maxNullFraction` (if set). */
  nullable?: boolean;
  maxNullFraction?: number;
  /** Inclusive bounds for integer, number and datetime (ISO 8601 text) columns. */
  min?: number | string;
  max?: number | string;
  /** Allowed values of a category column. */
  categories?: Array<string | number | boolean>;
  /** A regular expression (JavaScript syntax) every non-null value must match in full. */
  pattern?: string;
  unique?: boolean;
  /** Inclusive bounds of the length of text values (string columns). */
  minLength?: number;
  maxLength?: number;
  /**
   * The column holds personal data of these kinds (inferred, or set by hand). Training leaves it out
   * unless the train spec opts in; no value of it is written to any output.
   */
  pii?: PiiKind[];
}

export interface DatasetSchema {
  rows?: { min?: number; max?: number };
  maxDuplicateFraction?: number;
  label?: string;
  /** Class balance of the label: every class at least this share of the rows. */
  minClassFraction?: number;
}

export interface DataSchema {
  version: 1;
  dataset?: DatasetSchema;
  columns: Record<string, ColumnSchema>;
}

/** The schema of column `name`, or undefined; own properties only, so a column named `toString` or `__proto__` is not found on Object.prototype. */
export function columnSchemaOf(schema: DataSchema, name: string): ColumnSchema | undefined {
  return Object.hasOwn(schema.columns, name) ? schema.columns[name] : undefined;
}
