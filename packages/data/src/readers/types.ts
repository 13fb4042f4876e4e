/**
 * One cell as the readers yield it. CSV cells stay text (types are inferred elsewhere) and an empty field,
 * quoted or not, is null; JSONL and Parquet keep their types.
 */
export type Cell = string | number | boolean | null;

export type TableFormat = 'csv' | 'jsonl' | 'parquet';

/**
 * A slice of consecutive rows. Every row has exactly one cell per column of its batch.
 * `lines[i]` is where row i starts: the 1-based line in the file (CSV, JSONL) or the 1-based row number (Parquet).
 * Batches of one read may share their `columns` array: treat batches as read-only.
 */
export interface RowBatch {
  columns: string[];
  rows: Cell[][];
  lines: number[];
}

export interface ReadTableOptions {
  /** Default: from the extension (.csv .tsv .txt → csv, .jsonl .ndjson → jsonl, .parquet → parquet; a trailing .gz is looked through). */
  format?: TableFormat;
  /** CSV only: the delimiter, or "auto" to pick `,` `;` tab or `|` from the header line. Default `,` (tab for .tsv). */
  delimiter?: string;
  /** Rows per batch (default 10,000). */
  batchSize?: number;
  /** The longest CSV record or JSONL line accepted, in bytes (default 64 MiB): longer is an error, never unbounded memory. */
  maxFieldBytes?: number;
}

export interface TableInfo {
  format: TableFormat;
  /** Gzip-compressed (told by the magic bytes, not the name). */
  compressed: boolean;
  /** CSV: the header. JSONL: the keys of the first object (later lines may add more). Parquet: the top-level fields. */
  columns: string[];
  /** CSV only: the delimiter in use (the detected one with `delimiter: "auto"`). */
  delimiter?: string;
  /** Parquet only: the row count from the footer. */
  rowCount?: number;
}
