/**
 * A copy of a table with every value a PII detector flags replaced by its placeholder (`<email>`),
 * in the same format (CSV with the same delimiter, JSON Lines, Parquet; gzip when the source is).
 * What `data register` stores instead of a file holding personal data.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { PiiMasker, type PiiCounts } from '@mlship/core';
import { inspectTable, readTable } from './readers/read-table.js';
import type { Cell, ReadTableOptions, RowBatch } from './readers/types.js';

export interface MaskTableOptions extends ReadTableOptions {
  file: string;
  /** Where the masked copy goes (the caller picks a temp path and renames). */
  out: string;
}

export interface MaskTableResult {
  rows: number;
  /** Columns where values were replaced, with counts by kind. */
  pii: Record<string, PiiCounts>;
}

/** One masker per column, so counts are per column and repeated values are searched once. */
class ColumnMaskers {
  private readonly maskers = new Map<string, PiiMasker>();

  mask(column: string, cell: Cell): Cell {
    if (typeof cell !== 'string' && typeof cell !== 'number') return cell;
    let masker = this.maskers.get(column);
    if (!masker) this.maskers.set(column, (masker = new PiiMasker()));
    return masker.mask(cell);
  }

  counts(): Record<string, PiiCounts> {
    const result: Record<string, PiiCounts> = Object.create(null);
    for (const [column, masker] of this.maskers) if (masker.flagged > 0) result[column] = masker.counts;
    return result;
  }
}

const maskRow = (maskers: ColumnMaskers, columns: readonly string[], row: readonly Cell[]) => row.map((cell, i) => maskers.mask(columns[i]!, cell));

/** RFC 4180 quoting: a field holding the delimiter, a quote or a line break is quoted, quotes doubled. */
function csvField(cell: Cell, delimiter: string): string {
  if (cell === null) return '';
  const text = String(cell);
  return text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function* csvChunks(batches: AsyncIterable<RowBatch>, delimiter: string, maskers: ColumnMaskers, counter: { rows: number }): AsyncGenerator<string> {
  let header: string[] | undefined;
  for await (const batch of batches) {
    let text = '';
    if (!header) {
      header = batch.columns;
      text += `${header.map((name) => csvField(name, delimiter)).join(delimiter)}\n`;
    }
    for (const row of batch.rows) text += `${maskRow(maskers, batch.columns, row).map((cell) => csvField(cell, delimiter)).join(delimiter)}\n`;
    counter.rows += batch.rows.length;
    yield text;
  }
}

async function* jsonlChunks(batches: AsyncIterable<RowBatch>, maskers: ColumnMaskers, counter: { rows: number }): AsyncGenerator<string> {
  for await (const batch of batches) {
    let text = '';
    for (const row of batch.rows) {
      const masked = maskRow(maskers, batch.columns, row);
      const object: Record<string, Cell> = Object.create(null);
      batch.columns.forEach((name, i) => (object[name] = masked[i] ?? null));
      text += `${JSON.stringify(object)}\n`;
    }
    counter.rows += batch.rows.length;
    yield text;
  }
}

type ParquetColumnType = 'BOOLEAN' | 'INT64' | 'DOUBLE' | 'STRING';

/** The Parquet type each column is written as, from a first pass over the masked values. */
async function parquetTypes(file: string, options: ReadTableOptions): Promise<Map<string, ParquetColumnType>> {
  const seen = new Map<string, Set<string>>();
  const maskers = new ColumnMaskers();
  for await (const batch of readTable(file, options)) {
    batch.columns.forEach((name, i) => {
      let kinds = seen.get(name);
      if (!kinds) seen.set(name, (kinds = new Set()));
      for (const row of batch.rows) {
        const cell = maskers.mask(name, row[i] ?? null);
        if (cell !== null) kinds.add(typeof cell === 'number' ? (Number.isSafeInteger(cell) ? 'integer' : 'number') : typeof cell);
      }
    });
  }
  const types = new Map<string, ParquetColumnType>();
  for (const [name, kinds] of seen) {
    const only = (...allowed: string[]) => kinds.size > 0 && [...kinds].every((kind) => allowed.includes(kind));
    types.set(name, only('boolean') ? 'BOOLEAN' : only('integer') ? 'INT64' : only('integer', 'number') ? 'DOUBLE' : 'STRING');
  }
  return types;
}

const parquetValue = (cell: Cell, type: ParquetColumnType): unknown => {
  if (cell === null) return null;
  if (type === 'INT64') return BigInt(cell as number);
  if (type === 'STRING') return String(cell);
  return cell;
};

async function writeParquet(file: string, out: string, options: ReadTableOptions, maskers: ColumnMaskers): Promise<number> {
  const types = await parquetTypes(file, options);
  const { ParquetWriter, fileWriter, schemaFromColumnData } = await import('hyparquet-writer');
  const columns = [...types.keys()];
  const schema = schemaFromColumnData({ columnData: columns.map((name) => ({ name, data: [], type: types.get(name)!, nullable: true })) });
  const writer = new ParquetWriter({ writer: fileWriter(out), schema });
  let rows = 0;
  for await (const batch of readTable(file, options)) {
    const positions = new Map(batch.columns.map((name, i) => [name, i]));
    const columnData = columns.map((name) => {
      const at = positions.get(name);
      const type = types.get(name)!;
      return { name, data: batch.rows.map((row) => parquetValue(at === undefined ? null : maskers.mask(name, row[at] ?? null), type)) };
    });
    await writer.write({ columnData: columnData as never, rowGroupSize: Math.max(1, batch.rows.length) });
    rows += batch.rows.length;
  }
  writer.finish();
  return rows;
}

/** Writes the masked copy of `file` to `out` in one streaming pass (two for Parquet, whose column types come first). */
export async function writeMaskedTable(options: MaskTableOptions): Promise<MaskTableResult> {
  const { file, out, ...read } = options;
  const info = await inspectTable(file, read);
  const maskers = new ColumnMaskers();
  if (info.format === 'parquet') return { rows: await writeParquet(file, out, read, maskers), pii: maskers.counts() };
  const counter = { rows: 0 };
  const batches = readTable(file, read);
  const chunks = info.format === 'jsonl' ? jsonlChunks(batches, maskers, counter) : csvChunks(batches, info.delimiter ?? ',', maskers, counter);
  if (info.compressed) await pipeline(Readable.from(chunks), createGzip(), createWriteStream(out));
  else await pipeline(Readable.from(chunks), createWriteStream(out));
  return { rows: counter.rows, pii: maskers.counts() };
}
