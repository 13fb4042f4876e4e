// Streaming table readers: CSV, JSON Lines and Parquet, plain or gzip, as batches of rows.
export { readTable, readRows, readColumns, readColumnsWithRows, inspectTable, assertHasRows, DEFAULT_BATCH_SIZE, DEFAULT_MAX_FIELD_BYTES } from './read-table.js';
export { sniffDelimiter, DELIMITER_CANDIDATES } from './delimiter.js';
export { DataErrorCode } from './errors.js';
export type { Cell, RowBatch, TableFormat, ReadTableOptions, TableInfo } from './types.js';
export { cellAt, ColumnModes, columnsOfRows, numberOfCell } from './column-batch.js';
export type { ColumnBatch, ColumnData, ColumnMode, ColumnReadOptions } from './column-batch.js';
export { hashRow } from './row-hash.js';
