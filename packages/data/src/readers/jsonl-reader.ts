import { invalidDataError, emptyError } from './errors.js';
import { fileBytes } from './file-source.js';
import type { Cell, RowBatch } from './types.js';
import { utf8Chunks } from './utf8-chunks.js';

export interface JsonlReadOptions {
  compressed: boolean;
  batchSize: number;
  maxFieldBytes: number;
}

interface JsonLine {
  text: string;
  /** 1-based. */
  line: number;
}

/**
 * Splits UTF-8 chunks into lines on `\n` (a trailing `\r` is dropped). A line longer than `maxBytes` is an
 * error as soon as that many bytes are seen, so one huge line never sits in memory whole.
 */
class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private line = 1;

  constructor(
    private readonly file: string,
    private readonly maxBytes: number,
  ) {}

  *push(chunk: Buffer): Generator<JsonLine> {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end >= 0; end = chunk.indexOf(0x0a, start)) {
      this.append(chunk.subarray(start, end));
      yield this.take();
      start = end + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  /** The last line, when the file does not end with a newline. */
  *finish(): Generator<JsonLine> {
    if (this.size > 0) yield this.take();
  }

  private append(bytes: Buffer): void {
    this.size += bytes.length;
    if (this.size > this.maxBytes) throw invalidDataError(this.file, { line: this.line }, `a line longer than ${this.maxBytes} bytes`, 'each line must hold one JSON object; check the file format');
    if (bytes.length > 0) this.parts.push(bytes);
  }

  private take(): JsonLine {
    const text = Buffer.concat(this.parts, this.size).toString('utf8');
    const taken = { text: text.endsWith('\r') ? text.slice(0, -1) : text, line: this.line };
    this.parts = [];
    this.size = 0;
    this.line += 1;
    return taken;
  }
}

async function* jsonLines(file: string, options: JsonlReadOptions): AsyncGenerator<JsonLine> {
  const splitter = new LineSplitter(file, options.maxFieldBytes);
  for await (const chunk of utf8Chunks(file, fileBytes(file, options.compressed))) yield* splitter.push(chunk);
  yield* splitter.finish();
}

/** Non-blank lines as JSON objects; anything else is a coded error naming the line. */
async function* jsonObjects(file: string, options: JsonlReadOptions): AsyncGenerator<{ object: Record<string, unknown>; line: number }> {
  for await (const { text, line } of jsonLines(file, options)) {
    const trimmed = line === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim();
    if (trimmed === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw invalidDataError(file, { line }, `malformed JSON (${(error as Error).message})`, 'each line must hold one complete JSON object');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidDataError(file, { line }, `expected a JSON object, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, 'each line must hold one JSON object');
    }
    yield { object: value as Record<string, unknown>, line };
  }
}

function toCell(value: unknown): Cell {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** The keys of the first object: the columns as far as the start of the file tells. */
export async function readJsonlKeys(file: string, options: JsonlReadOptions): Promise<string[]> {
  for await (const { object } of jsonObjects(file, options)) return Object.keys(object);
  throw emptyError(file, 'no JSON objects: the file holds only blank lines');
}

/**
 * JSON Lines in batches. Columns are the union of keys in order of first appearance, as far as read: a batch
 * lists the columns seen up to its last row, so a key first met in a later batch is simply missing from the
 * earlier batches (read it as null there). Missing keys are null; nested objects and arrays become JSON
 * text; blank lines are skipped.
 */
export async function* readJsonl(file: string, options: JsonlReadOptions): AsyncGenerator<RowBatch> {
  const columns: string[] = [];
  const positions = new Map<string, number>();
  let rows: Cell[][] = [];
  let lines: number[] = [];
  let any = false;
  // Rows made before a new key was met are shorter than the final column list: pad them when yielding.
  const batch = (): RowBatch => ({ columns: [...columns], rows: rows.map((row) => (row.length < columns.length ? [...row, ...new Array<Cell>(columns.length - row.length).fill(null)] : row)), lines });
  for await (const { object, line } of jsonObjects(file, options)) {
    any = true;
    const row = new Array<Cell>(columns.length).fill(null);
    for (const [key, value] of Object.entries(object)) {
      let position = positions.get(key);
      if (position === undefined) {
        position = columns.push(key) - 1;
        positions.set(key, position);
      }
      row[position] = toCell(value);
    }
    rows.push(row);
    lines.push(line);
    if (rows.length >= options.batchSize) {
      yield batch();
      rows = [];
      lines = [];
    }
  }
  if (!any) throw emptyError(file, 'no JSON objects: the file holds only blank lines');
  if (rows.length > 0) yield batch();
}
