import { RowHashSet } from './row-hash-set.js';

describe('RowHashSet', () => {
  it('answers like a Set through several growths, for hashes near 2^53 and 0', () => {
    const set = new RowHashSet();
    const reference = new Set<number>();
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 200_000; i += 1) {
      const hash = i % 10 === 0 ? (next() % 1000) : next() * 0x200000 + (next() & 0x1fffff);
      expect(set.add(hash)).toBe(!reference.has(hash));
      reference.add(hash);
    }
    expect(set.size).toBe(reference.size);
    for (const hash of [0, 1, 2 ** 53 - 1, 42]) expect(set.has(hash)).toBe(reference.has(hash));
  });
});
