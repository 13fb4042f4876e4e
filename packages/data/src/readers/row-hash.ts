import { finishRowHash, hashFieldBytes, ROW_HASH_SEED_A, ROW_HASH_SEED_B } from './csv-tokenizer.js';
import type { RawCell } from '../schema/values.js';

const lanes = new Int32Array(2);
const encoder = new TextEncoder();

/**
 * A 53-bit hash of a row: the UTF-8 bytes of each cell's text (null as empty), each followed by a
 * separator, through two 32-bit FNV-1a variants. The CSV scanner computes the same hash from the bytes
 * (a quoted field by its unquoted content), so rows compare alike whatever the file format. Used to find
 * duplicate rows and rows shared between two files in memory per row rather than per byte; two different
 * rows collide with probability about n²/2^54.
 */
export function hashRow(row: readonly RawCell[]): number {
  lanes[0] = ROW_HASH_SEED_A;
  lanes[1] = ROW_HASH_SEED_B;
  for (const cell of row) {
    const bytes = cell === null ? EMPTY : encoder.encode(typeof cell === 'string' ? cell : String(cell));
    hashFieldBytes(lanes, bytes, 0, bytes.length);
  }
  return finishRowHash(lanes[0]!, lanes[1]!);
}

const EMPTY = new Uint8Array(0);
