/** The data schema file (`schema.yaml`): what `data infer-schema` writes and `data validate` checks. */

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
