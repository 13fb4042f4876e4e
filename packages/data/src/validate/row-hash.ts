import type { RawCell } from '../schema/values.js';

/**
 * A 53-bit hash of a row (two 32-bit FNV-1a variants combined), used to find duplicate rows and rows
 * shared between two files in O(rows) numbers of memory rather than O(bytes). Two different rows collide
 * with probability about n²/2^54: negligible below a billion rows.
 */
export function hashRow(row: readonly RawCell[]): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ row.length;
  for (const cell of row) {
    const text = cell === null ? '\u0000' : typeof cell === 'string' ? cell : `\u0001${String(cell)}`;
    for (let i = 0; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      a = Math.imul(a ^ code, 0x01000193);
      b = Math.imul(b ^ code, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a = Math.imul(a ^ 0x1f, 0x01000193); // field separator
    b = Math.imul(b ^ 0x1f, 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
