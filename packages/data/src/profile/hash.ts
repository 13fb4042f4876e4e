/**
 * Hashing for the distinct-count sketch: MurmurHash3_x86_32 (Austin Appleby, public domain) over
 * the UTF-16LE bytes of a string, read straight from its code units (no encoding step), or over the
 * 8 little-endian bytes of a number's IEEE-754 double. The same value on every platform and Node.js
 * version, so stored sketches stay comparable.
 */

/** Bound once: global property lookups are slow in some sandboxes (Jest's VM contexts) and this is the hot path. */
const { imul } = Math;

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function mixBlock(k: number): number {
  return imul(rotl32(imul(k, 0xcc9e2d51), 15), 0x1b873593);
}

function finalMix32(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixIntoHash(h: number, block: number): number {
  h ^= mixBlock(block);
  return (imul(rotl32(h, 13), 5) + 0xe6546b64) | 0;
}

/** MurmurHash3_x86_32 of `key` as UTF-16LE bytes; an unsigned 32-bit integer. */
export function murmurHash3(key: string, seed = 0): number {
  const units = key.length;
  let h = seed | 0;
  let i = 0;
  for (; i + 1 < units; i += 2) {
    // One 4-byte little-endian block is two code units, the first in the low half.
    h = mixIntoHash(h, key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16));
  }
  if (i < units) h ^= mixBlock(key.charCodeAt(i));
  h ^= units * 2;
  return finalMix32(h);
}

const doubleView = new Float64Array(1);
const wordView = new Uint32Array(doubleView.buffer);
/** Index of the low word of a double: 0 on little-endian machines (all Node.js targets), checked anyway. */
const LOW_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** MurmurHash3_x86_32 of the 8 little-endian bytes of `value` as a double; −0 hashes as 0. */
export function murmurHash3Number(value: number, seed = 0): number {
  doubleView[0] = value === 0 ? 0 : value;
  const h = mixIntoHash(mixIntoHash(seed | 0, wordView[LOW_WORD]!), wordView[1 - LOW_WORD]!);
  return finalMix32(h ^ 8);
}

/** Second seed for `hash64`: any fixed value works; this one is Murmur's customary test seed. */
const SECOND_SEED = 0x9747b28c;

/**
 * A 64-bit hash as two unsigned 32-bit halves, from two independently seeded MurmurHash3 runs.
 * 64 bits keep hash collisions negligible at any cardinality a profile will meet.
 */
/** The two halves `hash64` gives a number, without an array: for hot loops. */
export function hashNumberHigh(value: number): number {
  return murmurHash3Number(value, 0);
}
export function hashNumberLow(value: number): number {
  return murmurHash3Number(value, SECOND_SEED);
}

export function hash64(key: string | number): [high: number, low: number] {
  if (typeof key === 'number') return [murmurHash3Number(key, 0), murmurHash3Number(key, SECOND_SEED)];
  return [murmurHash3(key, 0), murmurHash3(key, SECOND_SEED)];
}
