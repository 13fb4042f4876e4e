import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { isMlshipError } from '@mlship/core';
import { dataError, emptyError } from './errors.js';
import { fileBytes } from './file-source.js';
import { LineIndex } from './line-index.js';
import type { Cell, RowBatch } from './types.js';
import { utf8Chunks } from './utf8-chunks.js';

export interface CsvReadOptions {
  delimiter: string;
  compressed: boolean;
  batchSize: number;
  maxFieldBytes: number;
}

interface CsvRecord {
  fields: Cell[];
  /** The 1-based line the record starts on. */
  line: number;
}

/** What csv-parse attaches to its errors (CsvError copies the parser's info onto itself). */
interface CsvErrorInfo {
  code?: string;
  message: string;
  /** Offset of the last field or record boundary the parser passed: where the failing field begins. */
  bytes?: number;
}

/** Line breaks inside a record's fields (only quoted fields hold them). */
function breaksIn(fields: string[]): number {
  let breaks = 0;
  for (const field of fields) for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) breaks += 1;
  return breaks;
}

/**
 * The records of an RFC 4180 file through csv-parse, streamed in runs, the header first, each with the line
 * it starts on. Empty fields are null. Blank lines are skipped; LF and CRLF line ends may mix; a quote inside
 * an unquoted field (`5" screen`) is kept as text, as spreadsheets do. Field counts are not checked here.
 */
async function* csvRecords(file: string, options: CsvReadOptions): AsyncGenerator<CsvRecord[]> {
  // Every \n ends a record or sits inside a field, so a record's lines are counted from its fields; blank
  // lines come through as records (skip_empty_lines off) to be counted too. For a parser error, the line
  // comes from the byte offset it reports, looked up in the bytes the parser has not finished with.
  const lines = new LineIndex();
  const parser = parse({
    delimiter: options.delimiter,
    bom: true,
    relax_quotes: true,
    relax_column_count: true,
    record_delimiter: ['\r\n', '\n'],
    max_record_size: options.maxFieldBytes,
  });
  async function* indexed() {
    for await (const chunk of utf8Chunks(file, fileBytes(file, options.compressed))) {
      lines.lineAt(parser.info.bytes); // forget the bytes the parser is done with
      lines.add(chunk);
      yield chunk;
    }
  }
  const input = Readable.from(indexed(), { highWaterMark: 4 });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let next = 1;
  try {
    for await (const first of parser) {
      // Take every record already parsed at once, not one per turn of the event loop.
      const records: CsvRecord[] = [];
      for (let fields = first as string[] | null; fields !== null; fields = parser.read() as string[] | null) {
        const line = next;
        next += 1 + breaksIn(fields);
        if (fields.length === 1 && fields[0] === '') continue; // a blank line
        records.push({ fields: fields.map((field) => (field === '' ? null : field)), line });
      }
      yield records;
    }
  } catch (error) {
    if (isMlshipError(error)) throw error;
    const info = error as CsvErrorInfo;
    if (typeof info.code !== 'string' || !info.code.startsWith('CSV_')) throw error;
    throw csvError(file, info, info.bytes === undefined ? next : lines.lineAt(info.bytes), options);
  } finally {
    parser.destroy();
    input.destroy();
    if (!input.closed) await new Promise<void>((resolve) => input.once('close', () => resolve())); // after the byte source has closed the file
  }
}

function csvError(file: string, info: CsvErrorInfo, line: number, options: CsvReadOptions) {
  switch (info.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return dataError(file, { line }, 'unterminated quote: the quoted field starting on this line is never closed', 'close the quote, and double any quote inside a quoted field ("")');
    case 'CSV_MAX_RECORD_SIZE':
      return dataError(
        file,
        { line },
        `a field or row longer than ${options.maxFieldBytes} bytes starts on this line (is a quote left open?)`,
        'check the quoting and the delimiter; binary data is not CSV',
      );
    default:
      return dataError(file, { line }, `cannot parse CSV: ${info.message.replace(/\s*(at|on) line \d+/, '')}`);
  }
}

function raggedError(file: string, line: number, fields: number, width: number, delimiter: string) {
  return dataError(file, { line }, `ragged row: ${fields} fields where the header has ${width}`, `every row needs one field per header column; check the delimiter (${JSON.stringify(delimiter)}) and the quoting`);
}

/** Header cells become column names: trimmed, `column_<n>` when blank; a name used twice is an error. */
function columnNames(file: string, header: Cell[], line: number): string[] {
  const names = header.map((cell, i) => String(cell ?? '').trim() || `column_${i + 1}`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw dataError(file, { line }, `the header names column "${name}" twice`, 'give every column a unique name');
    seen.add(name);
  }
  return names;
}

/** The header of a CSV file, read from its first record only. */
export async function readCsvHeader(file: string, options: CsvReadOptions): Promise<string[]> {
  for await (const records of csvRecords(file, options)) {
    const header = records[0];
    if (header) return columnNames(file, header.fields, header.line);
  }
  throw emptyError(file, 'no header: the file holds only blank lines');
}

/** CSV rows in batches; the first record is the header. A header with no rows yields nothing. */
export async function* readCsv(file: string, options: CsvReadOptions): AsyncGenerator<RowBatch> {
  let columns: string[] | undefined;
  let batch: RowBatch | undefined;
  for await (const records of csvRecords(file, options)) {
    for (const { fields, line } of records) {
      if (columns === undefined) {
        columns = columnNames(file, fields, line);
        continue;
      }
      if (fields.length !== columns.length) throw raggedError(file, line, fields.length, columns.length, options.delimiter);
      batch ??= { columns, rows: [], lines: [] };
      batch.rows.push(fields);
      batch.lines.push(line);
      if (batch.rows.length >= options.batchSize) {
        yield batch;
        batch = undefined;
      }
    }
  }
  if (columns === undefined) throw emptyError(file, 'no header: the file holds only blank lines');
  if (batch) yield batch;
}
