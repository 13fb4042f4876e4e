import { ColumnModes, numberOfCell, type ColumnBatch, type ColumnData, type ColumnReadOptions } from './column-batch.js';
import { CsvTokenizer, type CsvRecordSink } from './csv-tokenizer.js';
import { invalidDataError, emptyError } from './errors.js';
import { fileBytes } from './file-source.js';
import type { Cell, RowBatch } from './types.js';
import { utf8Chunks } from './utf8-chunks.js';

export interface CsvReadOptions {
  delimiter: string;
  compressed: boolean;
  batchSize: number;
  maxFieldBytes: number;
}

/** CSV is read in bigger chunks than other formats: fewer records cut in two, fewer copies. */
const CSV_CHUNK_BYTES = 1024 * 1024;

/** One-character strings by byte, so the commonest short fields (labels, flags) need no new string. */
const ONE_BYTE = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));

/** The text of a field; `escaped` fields hold doubled quotes. */
function fieldText(bytes: Buffer, start: number, end: number, escaped: boolean): string {
  if (end - start === 1 && bytes[start]! < 128) return ONE_BYTE[bytes[start]!]!;
  const text = bytes.toString('utf8', start, end);
  return escaped ? text.replaceAll('""', '"') : text;
}

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * The number in `bytes[start, end)` when it is plain decimal (sign, up to 15 digits, a point): the common
 * case, parsed without a string, and exact (both parts fit a double exactly, so one division rounds as
 * `Number` does). NaN for anything else (empty, exponents, spaces, longer numbers, text): the caller then
 * takes the slow path through the text.
 */
function plainDecimal(bytes: Buffer, start: number, end: number, integer: boolean): number {
  let i = start;
  let negative = false;
  if (i < end && (bytes[i] === 0x2d || bytes[i] === 0x2b)) {
    negative = bytes[i] === 0x2d;
    i += 1;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i += 1) {
    const code = bytes[i]!;
    if (code >= 0x30 && code <= 0x39) {
      mantissa = mantissa * 10 + (code - 0x30);
      digits += 1;
    } else if (code === 0x2e && fraction < 0 && !integer) {
      fraction = digits;
    } else return NaN;
  }
  if (digits === 0 || digits > 15) return NaN;
  const value = fraction < 0 ? mantissa : mantissa / POWERS_OF_TEN[digits - fraction]!;
  return negative ? -value : value;
}

/** Header cells become column names: trimmed, `column_<n>` when blank; a name used twice is an error. */
function columnNames(file: string, header: Cell[], line: number): string[] {
  const names = header.map((cell, i) => String(cell ?? '').trim() || `column_${i + 1}`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw invalidDataError(file, { line }, `the header names column "${name}" twice`, 'give every column a unique name');
    seen.add(name);
  }
  return names;
}

function raggedError(file: string, line: number, fields: number, width: number, delimiter: string) {
  return invalidDataError(file, { line }, `ragged row: ${fields} fields where the header has ${width}`, `every row needs one field per header column; check the delimiter (${JSON.stringify(delimiter)}) and the quoting`);
}

/** Receives records from the scanner, takes the first as the header, and collects rows into batches. */
abstract class BatchSink<T> implements CsvRecordSink {
  columns: string[] | undefined;
  readonly ready: T[] = [];

  constructor(
    protected readonly file: string,
    protected readonly options: CsvReadOptions,
  ) {}

  record(bytes: Buffer, bounds: Float64Array, fields: number, line: number, hash: number): void {
    if (this.columns === undefined) {
      const header: Cell[] = [];
      for (let f = 0; f < fields; f += 1) header.push(fieldText(bytes, bounds[3 * f]!, bounds[3 * f + 1]!, bounds[3 * f + 2] === 1));
      this.columns = columnNames(this.file, header, line);
      this.start(this.columns);
      return;
    }
    if (fields !== this.columns.length) throw raggedError(this.file, line, fields, this.columns.length, this.options.delimiter);
    if (this.add(bytes, bounds, line, hash) >= this.options.batchSize) this.ready.push(this.take());
  }

  /** Called once with the header. */
  protected abstract start(columns: string[]): void;
  /** Adds a row; returns the rows now pending. */
  protected abstract add(bytes: Buffer, bounds: Float64Array, line: number, hash: number): number;
  /** The pending rows as a batch (called only when there are some). */
  abstract take(): T;
  abstract get pending(): number;
}

class RowSink extends BatchSink<RowBatch> {
  private batch: RowBatch | undefined;

  protected start(): void {}

  protected add(bytes: Buffer, bounds: Float64Array, line: number): number {
    const columns = this.columns!;
    const row: Cell[] = new Array<Cell>(columns.length);
    for (let f = 0; f < columns.length; f += 1) {
      const start = bounds[3 * f]!;
      const end = bounds[3 * f + 1]!;
      row[f] = start === end ? null : fieldText(bytes, start, end, bounds[3 * f + 2] === 1);
    }
    this.batch ??= { columns, rows: [], lines: [] };
    this.batch.rows.push(row);
    this.batch.lines.push(line);
    return this.batch.rows.length;
  }

  take(): RowBatch {
    const batch = this.batch!;
    this.batch = undefined;
    return batch;
  }

  get pending(): number {
    return this.batch?.rows.length ?? 0;
  }
}

interface NumberBuilder {
  kind: 'numbers';
  integer: boolean;
  values: Float64Array;
  invalid: Map<number, Cell>;
}

type Builder = NumberBuilder | { kind: 'cells'; values: Cell[]; texts: TextCache };

/**
 * Recent texts of a column by a hash of their bytes, so a categorical column's repeated values (most
 * cells of most tables) reuse one string instead of allocating a new one per cell. Checked byte for
 * byte; ASCII only, where a string's characters are its bytes.
 */
class TextCache {
  private readonly texts: Array<string | undefined> = new Array<string | undefined>(256);

  text(bytes: Buffer, start: number, end: number, escaped: boolean): string {
    if (escaped || end - start > 32) return fieldText(bytes, start, end, escaped);
    let hash = end - start;
    for (let i = start; i < end; i += 1) {
      const code = bytes[i]!;
      if (code >= 0x80) return fieldText(bytes, start, end, escaped);
      hash = Math.imul(hash ^ code, 0x01000193);
    }
    const slot = (hash ^ (hash >>> 8) ^ (hash >>> 16)) & 0xff;
    const cached = this.texts[slot];
    if (cached !== undefined && cached.length === end - start) {
      let same = true;
      for (let i = 0; i < cached.length; i += 1) {
        if (cached.charCodeAt(i) !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const text = fieldText(bytes, start, end, false);
    this.texts[slot] = text;
    return text;
  }
}

class ColumnSink extends BatchSink<ColumnBatch> {
  private modes: ColumnModes | undefined;
  private builders: Builder[] = [];
  private texts: TextCache[] = [];
  private lines = new Float64Array(0);
  private hashes = new Float64Array(0);
  private length = 0;

  constructor(
    file: string,
    options: CsvReadOptions,
    private readonly read: ColumnReadOptions,
  ) {
    super(file, options);
  }

  protected start(columns: string[]): void {
    this.modes = new ColumnModes(columns, this.read);
    this.texts = columns.map(() => new TextCache());
    this.reset();
  }

  private reset(): void {
    const size = this.options.batchSize;
    this.builders = this.columns!.map((_, column): Builder => {
      const mode = this.modes!.mode(column);
      return mode === 'cells' ? { kind: 'cells', values: [], texts: this.texts[column]! } : { kind: 'numbers', integer: mode === 'integer', values: new Float64Array(size), invalid: new Map() };
    });
    this.lines = new Float64Array(size);
    this.hashes = new Float64Array(size);
    this.length = 0;
  }

  protected add(bytes: Buffer, bounds: Float64Array, line: number, hash: number): number {
    const row = this.length;
    const builders = this.builders;
    for (let f = 0; f < builders.length; f += 1) {
      const builder = builders[f]!;
      const start = bounds[3 * f]!;
      const end = bounds[3 * f + 1]!;
      if (builder.kind === 'cells') {
        builder.values.push(start === end ? null : builder.texts.text(bytes, start, end, bounds[3 * f + 2] === 1));
        continue;
      }
      if (start === end) {
        builder.values[row] = NaN;
        continue;
      }
      const fast = plainDecimal(bytes, start, end, builder.integer);
      if (!Number.isNaN(fast)) {
        builder.values[row] = fast;
        continue;
      }
      const text = fieldText(bytes, start, end, bounds[3 * f + 2] === 1);
      const value = numberOfCell(text, builder.integer);
      if (typeof value === 'number') builder.values[row] = value;
      else {
        builder.values[row] = NaN;
        if (value !== null) builder.invalid.set(row, text);
      }
    }
    this.lines[row] = line;
    this.hashes[row] = hash;
    this.length = row + 1;
    return this.length;
  }

  take(): ColumnBatch {
    const length = this.length;
    const data = this.builders.map((builder): ColumnData =>
      builder.kind === 'cells' ? { kind: 'cells', values: builder.values } : { kind: 'numbers', values: builder.values.subarray(0, length), invalid: builder.invalid },
    );
    const batch = { columns: this.columns!, length, lines: this.lines.subarray(0, length), hashes: this.hashes.subarray(0, length), data };
    this.modes!.settle(batch);
    this.reset();
    return batch;
  }

  get pending(): number {
    return this.length;
  }
}

/** Runs the scanner over the file, yielding each batch the sink completes; the header must be there. */
async function* scanCsv<T>(file: string, options: CsvReadOptions, sink: BatchSink<T>, headerOnly = false): AsyncGenerator<T> {
  const tokenizer = new CsvTokenizer({ file, delimiter: options.delimiter.charCodeAt(0), maxRecordBytes: options.maxFieldBytes }, sink);
  for await (const chunk of utf8Chunks(file, fileBytes(file, options.compressed, CSV_CHUNK_BYTES))) {
    tokenizer.push(chunk);
    if (headerOnly && sink.columns !== undefined) return;
    yield* sink.ready.splice(0);
  }
  tokenizer.finish();
  yield* sink.ready.splice(0);
  if (sink.columns === undefined) throw emptyError(file, 'no header: the file holds only blank lines');
  if (sink.pending > 0) yield sink.take();
}

/** The header of a CSV file, read from its first record only. */
export async function readCsvHeader(file: string, options: CsvReadOptions): Promise<string[]> {
  const sink = new RowSink(file, options);
  for await (const batch of scanCsv(file, options, sink, true)) void batch;
  return sink.columns!;
}

/**
 * CSV rows in batches; the first record is the header. A header with no rows yields nothing. Empty fields
 * are null; see csv-tokenizer.ts for the rules.
 */
export function readCsv(file: string, options: CsvReadOptions): AsyncGenerator<RowBatch> {
  return scanCsv(file, options, new RowSink(file, options));
}

/** CSV as column batches, numeric columns parsed from the bytes (see column-batch.ts). */
export function readCsvColumns(file: string, options: CsvReadOptions & ColumnReadOptions): AsyncGenerator<ColumnBatch> {
  return scanCsv(file, options, new ColumnSink(file, options, options));
}
