import { createRandom, randomPermutation } from './seeded-random.js';

describe('createRandom', () => {
  test('the same key gives the same sequence; another key another one', () => {
    const a = createRandom(42);
    const b = createRandom('42');
    const c = createRandom(43);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
  });

  test('is pinned: these numbers must not change between releases', () => {
    const random = createRandom('mlship');
    expect(Array.from({ length: 3 }, () => Math.floor(random() * 4294967296))).toEqual([3324451564, 3119580619, 556137652]);
  });

  test('floats lie in [0, 1) and look uniform', () => {
    const random = createRandom(1);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100000; i++) {
      const x = random();
      if (!(x >= 0 && x < 1)) outside++;
      else buckets[Math.floor(x * 10)]! += 1;
    }
    expect(outside).toBe(0);
    for (const count of buckets) expect(Math.abs(count - 10000)).toBeLessThan(500);
  });
});

describe('randomPermutation', () => {
  test('is a permutation, deterministic per seed', () => {
    const p = randomPermutation(100, createRandom(5));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(randomPermutation(100, createRandom(5))).toEqual(p);
    expect(randomPermutation(0, createRandom(5))).toHaveLength(0);
  });

  test('every position is equally likely (3 items, all 6 orders)', () => {
    const random = createRandom('orders');
    const counts = new Map<string, number>();
    for (let i = 0; i < 60000; i++) {
      const key = randomPermutation(3, random).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const count of counts.values()) expect(Math.abs(count - 10000)).toBeLessThan(400);
  });
});
