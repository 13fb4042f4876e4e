import { usageError } from '@mlship/core';
import { invalidDataError, unsupportedError } from './errors.js';
import type { FileProbe } from './file-source.js';
import type { TableFormat } from './types.js';

const FORMATS: readonly TableFormat[] = ['csv', 'jsonl', 'parquet'];

const BY_EXTENSION: Record<string, TableFormat> = {
  csv: 'csv',
  tsv: 'csv',
  txt: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  parquet: 'parquet',
};

/** The extension that names the format: the last one, or the one before a trailing `.gz`. */
export function formatExtension(file: string): string {
  const name = (file.split(/[\\/]/).pop() ?? '').toLowerCase().replace(/\.gz$/, '');
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1) : '';
}

const PARQUET_MAGIC = Buffer.from('PAR1');

/**
 * The format: the option, else the extension, else a look at the first bytes (Parquet's magic number;
 * `{` for JSON Lines; CSV otherwise). A Parquet file under another name, or gzip around Parquet, is refused.
 */
export function resolveFormat(file: string, probe: FileProbe, option: string | undefined): TableFormat {
  if (option !== undefined && !FORMATS.includes(option as TableFormat)) {
    throw usageError(`unknown table format "${option}"`, `use one of ${FORMATS.join(', ')}`);
  }
  const isParquet = probe.head.subarray(0, 4).equals(PARQUET_MAGIC);
  const format = (option as TableFormat | undefined) ?? BY_EXTENSION[formatExtension(file)] ?? sniffFormat(probe, isParquet);
  if (format === 'parquet' && probe.compressed) {
    throw unsupportedError(file, 'gzip-compressed Parquet cannot be read in place', 'gunzip it first; Parquet compresses its data internally');
  }
  if (format !== 'parquet' && isParquet) {
    throw invalidDataError(file, undefined, `this is a Parquet file, not ${format}`, 'name it .parquet, or pass the format "parquet"');
  }
  return format;
}

function sniffFormat(probe: FileProbe, isParquet: boolean): TableFormat {
  if (isParquet) return 'parquet';
  const text = probe.compressed ? '' : probe.head.toString('latin1').replace(/^\xEF\xBB\xBF/, '').trimStart();
  return text.startsWith('{') ? 'jsonl' : 'csv';
}
