import { isUtf8 } from 'node:buffer';
import { invalidDataError } from './errors.js';

const NEWLINE = 0x0a;

/** Number of `\n` bytes in `bytes[start, end)`. */
export function countNewlines(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let count = 0;
  for (let i = bytes.indexOf(NEWLINE, start); i >= 0 && i < end; i = bytes.indexOf(NEWLINE, i + 1)) count += 1;
  return count;
}

/** How many bytes at the end of `bytes` begin a UTF-8 sequence that the next chunk must finish (0–3). */
function unfinishedTail(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead byte
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/** Index of the first byte of `bytes` (which starts on a character boundary) that makes it invalid UTF-8. */
function firstInvalidByte(bytes: Buffer): number {
  // A fatal decoder in stream mode fails on a prefix exactly when the prefix holds an invalid sequence
  // (an unfinished one at its end is fine), so the failing prefixes are those past some length: search it.
  const fails = (length: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (fails(middle + 1)) high = middle;
    else low = middle + 1;
  }
  return low;
}

const HINT = 'save the file as UTF-8 text; binary files (images, spreadsheets, archives) are not tables';

/**
 * Passes the chunks through unchanged after checking they are UTF-8 text without NUL bytes. The first
 * offence is a coded error naming its line, so binary garbage never reaches a parser.
 */
export async function* utf8Chunks(file: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let line = 1;
  let carry = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    const tail = unfinishedTail(data);
    const body = data.subarray(0, data.length - tail);
    if (!isUtf8(body)) {
      throw invalidDataError(file, { line: line + countNewlines(body, 0, firstInvalidByte(body)) }, 'invalid UTF-8 (is this a binary file, or another encoding such as Latin-1 or UTF-16?)', HINT);
    }
    const nul = body.indexOf(0);
    if (nul >= 0) throw invalidDataError(file, { line: line + countNewlines(body, 0, nul) }, 'a NUL byte: this looks like a binary file, or UTF-16 text', HINT);
    line += countNewlines(body);
    carry = Buffer.from(data.subarray(data.length - tail));
    yield chunk;
  }
  if (carry.length > 0) throw invalidDataError(file, { line }, 'invalid UTF-8: the file ends inside a character', HINT);
}
