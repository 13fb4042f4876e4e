import { Buffer } from 'node:buffer';
import { hash64, murmurHash3, murmurHash3Number } from './hash.js';
import { createRandom } from './random.js';

/** Byte-wise MurmurHash3_x86_32 straight from the reference C code, to check the code-unit version. */
function murmurHash3Bytes(bytes: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const blocks = bytes.length >> 2;
  const mix = (k: number): number => {
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    return Math.imul(k, c2);
  };
  for (let i = 0; i < blocks; i++) {
    const j = i * 4;
    h ^= mix(bytes[j]! | (bytes[j + 1]! << 8) | (bytes[j + 2]! << 16) | (bytes[j + 3]! << 24));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  const rest = bytes.length & 3;
  if (rest > 0) {
    let k = bytes[tail]!;
    if (rest > 1) k ^= bytes[tail + 1]! << 8;
    if (rest > 2) k ^= bytes[tail + 2]! << 16;
    h ^= mix(k);
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

describe('murmurHash3', () => {
  it('matches the published MurmurHash3_x86_32 test vectors (byte reference)', () => {
    const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');
    expect(murmurHash3Bytes(ascii(''), 0)).toBe(0);
    expect(murmurHash3Bytes(ascii(''), 1)).toBe(0x514e28b7);
    expect(murmurHash3Bytes(ascii(''), 0xffffffff)).toBe(0x81f16f39);
    expect(murmurHash3Bytes(new Uint8Array(4), 0)).toBe(0x2362f9de);
    expect(murmurHash3Bytes(ascii('a'), 0x9747b28c)).toBe(0x7fa09ea6);
    expect(murmurHash3Bytes(ascii('ab'), 0x9747b28c)).toBe(0x74875592);
    expect(murmurHash3Bytes(ascii('abc'), 0x9747b28c)).toBe(0xc84a62dd);
    expect(murmurHash3Bytes(ascii('abcd'), 0x9747b28c)).toBe(0xf0478627);
    expect(murmurHash3Bytes(ascii('Hello, world!'), 0x9747b28c)).toBe(0x24884cba);
    expect(murmurHash3Bytes(ascii('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(0x2fa826cd);
  });

  it('hashes a string as its UTF-16LE bytes, for odd and even lengths and any code unit', () => {
    const uniform = createRandom(7);
    const samples = ['', 'a', 'ab', 'abc', 'é', '日本語', '\u{1f600}', '\ud800'];
    for (let i = 0; i < 200; i++) {
      samples.push(String.fromCharCode(...Array.from({ length: Math.floor(uniform() * 12) }, () => Math.floor(uniform() * 0x10000))));
    }
    for (const text of samples) {
      for (const seed of [0, 0x9747b28c]) {
        expect(murmurHash3(text, seed)).toBe(murmurHash3Bytes(Buffer.from(text, 'utf16le'), seed));
      }
    }
    expect(murmurHash3('\u0000\u0000')).toBe(0x2362f9de);
  });

  it('hashes a number as the 8 little-endian bytes of its double, −0 as 0', () => {
    for (const value of [0, 1, -1.5, Math.PI, 1e300, -Number.MIN_VALUE, 2 ** 53]) {
      const bytes = Buffer.alloc(8);
      bytes.writeDoubleLE(value);
      expect(murmurHash3Number(value, 0x9747b28c)).toBe(murmurHash3Bytes(bytes, 0x9747b28c));
    }
    expect(murmurHash3Number(-0)).toBe(murmurHash3Number(0));
    expect(hash64(1)).not.toEqual(hash64('1'));
  });

  it('gives two independent 32-bit halves for hash64', () => {
    const [high, low] = hash64('mlship');
    expect(high).toBe(murmurHash3('mlship', 0));
    expect(low).not.toBe(high);
    expect(hash64('mlship')).toEqual([high, low]);
  });
});
