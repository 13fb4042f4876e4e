/**
 * RFC 4180 records straight from bytes: the scanner under every CSV read.
 *
 * Hand-written rather than csv-parse because reading is most of `data validate`'s time: csv-parse makes
 * a string of every field (8.4 s for 1M rows × 20 columns here), while this scanner only records where
 * each field lies, so numeric columns are parsed from the bytes without a string at all (about 1.2 s for
 * the same file). Rules, as the csv-parse options mlship used before: an optional UTF-8 BOM; LF and CRLF
 * line ends, mixed; blank lines skipped (and counted); quoted fields may hold delimiters, line breaks and
 * doubled quotes; a quote inside an unquoted field (`5" screen`) is kept as text; after a closing quote
 * only a delimiter, a line end or the end of the file may follow. Field counts are checked by the caller.
 */
import { invalidDataError } from './errors.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];

/**
 * A record handed to the sink. `bounds` holds 3 numbers per field (start, end, escaped: 1 when the field
 * is quoted and holds doubled quotes to undo) into `bytes`; the sink must copy what it keeps, since the
 * bytes and bounds are reused. `hash` is a 53-bit hash of the field contents (see `hashFieldBytes`).
 */
export interface CsvRecordSink {
  record(bytes: Buffer, bounds: Float64Array, fields: number, line: number, hash: number): void;
}

export interface CsvTokenizerOptions {
  file: string;
  /** One byte (the caller checked the delimiter is a single ASCII character). */
  delimiter: number;
  /** The longest record accepted; a longer one is an error naming its first line. */
  maxRecordBytes: number;
}

const P1 = 0x01000193;
const P2 = 0x5bd1e995;
const SEPARATOR = 0x1f;

/** The row hash's two 32-bit lanes, seeded; `hashFieldBytes` and the scanner update them identically. */
export const ROW_HASH_SEED_A = 0x811c9dc5;
export const ROW_HASH_SEED_B = 0x01000193;

/** Combines the two lanes into one safe integer (53 bits). */
export function finishRowHash(a: number, b: number): number {
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/**
 * Feeds one field's bytes and the field separator into the row hash lanes `state` ([a, b]); the scanner
 * does the same inline. Rows hash by the UTF-8 bytes of their cells, whatever the file format.
 */
export function hashFieldBytes(state: Int32Array, bytes: Uint8Array, start: number, end: number): void {
  let a = state[0]!;
  let b = state[1]!;
  for (let i = start; i < end; i += 1) {
    const code = bytes[i]!;
    a = Math.imul(a ^ code, P1);
    b = Math.imul(b ^ code, P2);
    b ^= b >>> 15;
  }
  state[0] = Math.imul(a ^ SEPARATOR, P1);
  state[1] = Math.imul(b ^ SEPARATOR, P2);
}

export class CsvTokenizer {
  private readonly options: CsvTokenizerOptions;
  private readonly sink: CsvRecordSink;
  private bounds = new Float64Array(3 * 64);
  private carry: Buffer | undefined;
  /** Line of the first byte not yet consumed. */
  private line = 1;
  private atStart = true;

  constructor(options: CsvTokenizerOptions, sink: CsvRecordSink) {
    this.options = options;
    this.sink = sink;
  }

  /** Scans a chunk; every record it completes goes to the sink. A record cut by the chunk's end waits for the next. */
  push(chunk: Buffer): void {
    let bytes = this.carry === undefined ? chunk : Buffer.concat([this.carry, chunk]);
    if (this.atStart) {
      if (bytes.length < 3 && bytes.every((byte, i) => byte === BOM[i])) {
        this.carry = bytes; // perhaps a BOM still arriving
        return;
      }
      this.atStart = false;
      if (bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2]) bytes = bytes.subarray(3);
    }
    const consumed = this.scan(bytes, false);
    const rest = bytes.length - consumed;
    if (rest > this.options.maxRecordBytes) throw this.tooLong(this.line);
    this.carry = rest === 0 ? undefined : bytes.subarray(consumed);
  }

  /** Ends the input: the last record may lack its line end. */
  finish(): void {
    const rest = this.carry;
    this.carry = undefined;
    if (rest !== undefined && rest.length > 0) this.scan(rest, true);
  }

  /** Scans whole records from `bytes` (all of them when `final`); returns how many bytes they took. */
  private scan(bytes: Buffer, final: boolean): number {
    const delimiter = this.options.delimiter;
    const end = bytes.length;
    let i = 0;
    let consumed = 0;
    let line = this.line;
    records: while (i < end) {
      const recordLine = line;
      // A blank line (LF or CRLF alone) is skipped and counted.
      if (bytes[i] === LF || (bytes[i] === CR && i + 1 < end && bytes[i + 1] === LF)) {
        i += bytes[i] === LF ? 1 : 2;
        line += 1;
        consumed = i;
        this.line = line;
        continue;
      }
      let fields = 0;
      let a = ROW_HASH_SEED_A;
      let b = ROW_HASH_SEED_B;
      for (;;) {
        let start: number;
        let stop = -1;
        let escaped = 0;
        if (i < end && bytes[i] === QUOTE) {
          const fieldLine = line;
          start = i + 1;
          for (let j = start; ; ) {
            const quote = bytes.indexOf(QUOTE, j);
            if (quote < 0) {
              if (!final) break records;
              throw invalidDataError(this.options.file, { line: fieldLine }, 'unterminated quote: the quoted field starting on this line is never closed', 'close the quote, and double any quote inside a quoted field ("")');
            }
            if (quote + 1 === end && !final) break records; // a closing quote, or the first of a pair?
            if (quote + 1 < end && bytes[quote + 1] === QUOTE) {
              escaped = 1;
              j = quote + 2;
              continue;
            }
            stop = quote;
            break;
          }
          // Hash the content with each doubled quote once; count the line breaks inside.
          for (let k = start; k < stop; k += 1) {
            const code = bytes[k]!;
            if (code === LF) line += 1;
            else if (code === QUOTE) k += 1; // skip the pair's second quote
            a = Math.imul(a ^ code, P1);
            b = Math.imul(b ^ code, P2);
            b ^= b >>> 15;
          }
          i = stop + 1;
          if (i < end) {
            const next = bytes[i];
            const lineEnd = next === LF || (next === CR && (i + 1 === end || bytes[i + 1] === LF));
            if (next !== delimiter && !lineEnd) {
              throw invalidDataError(this.options.file, { line }, 'unexpected text after a closing quote', 'a quoted field ends at a delimiter or a line end; double any quote inside it ("")');
            }
            if (next === CR && i + 1 === end && !final) break records;
          }
        } else {
          start = i;
          let j = i;
          while (j < end) {
            const code = bytes[j]!;
            if (code === delimiter || code === LF) break;
            if (code === CR && (j + 1 === end || bytes[j + 1] === LF)) {
              if (j + 1 === end && !final) break records;
              break;
            }
            a = Math.imul(a ^ code, P1);
            b = Math.imul(b ^ code, P2);
            b ^= b >>> 15;
            j += 1;
          }
          if (j === end && !final) break records;
          stop = j;
          i = j;
        }
        a = Math.imul(a ^ SEPARATOR, P1);
        b = Math.imul(b ^ SEPARATOR, P2);
        if (3 * fields + 3 > this.bounds.length) this.growBounds();
        this.bounds[3 * fields] = start;
        this.bounds[3 * fields + 1] = stop;
        this.bounds[3 * fields + 2] = escaped;
        fields += 1;
        if (i < end && bytes[i] === delimiter) {
          i += 1;
          if (i === end && !final) break records;
          continue; // a delimiter at the very end of the file leaves one empty field, taken on the next turn
        }
        // A line end (LF, CR LF, or CR at the end of the file) or the end of the file.
        if (i < end && bytes[i] === CR) i += 1;
        if (i < end && bytes[i] === LF) {
          i += 1;
          line += 1;
        }
        break;
      }
      if (i - consumed > this.options.maxRecordBytes) throw this.tooLong(recordLine);
      this.sink.record(bytes, this.bounds, fields, recordLine, finishRowHash(a, b));
      consumed = i;
      this.line = line;
    }
    return final ? end : consumed;
  }

  private growBounds(): void {
    const grown = new Float64Array(this.bounds.length * 2);
    grown.set(this.bounds);
    this.bounds = grown;
  }

  private tooLong(line: number) {
    return invalidDataError(
      this.options.file,
      { line },
      `a field or row longer than ${this.options.maxRecordBytes} bytes starts on this line (is a quote left open?)`,
      'check the quoting and the delimiter; binary data is not CSV',
    );
  }
}
