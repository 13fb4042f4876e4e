import { sortByKey, sortNumbers } from './sort-numbers.js';

/** Deterministic values: mixed signs, zeros of both signs, repeats, tiny and huge magnitudes. */
function sample(n: number, seed: number): Float64Array {
  let state = seed;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const r = next();
    values[i] = r < 0.05 ? -0 : r < 0.1 ? 0 : r < 0.2 ? Math.round(next() * 10) : (next() - 0.5) * 10 ** Math.round(next() * 40 - 20);
  }
  return values;
}

describe('sortNumbers', () => {
  it.each([0, 1, 63, 64, 1000, 10_000])('sorts %i values exactly as Float64Array#sort does', (n) => {
    const values = sample(n, n + 7);
    const expected = values.slice().sort();
    const sorted = sortNumbers(values);
    expect(sorted).toBe(values);
    expect(Array.from(sorted, (v) => Object.is(v, -0) ? '-0' : String(v))).toEqual(Array.from(expected, (v) => Object.is(v, -0) ? '-0' : String(v)));
  });

  it('sorts a subarray in place without touching the rest of its buffer', () => {
    const whole = sample(300, 3);
    const before = whole.slice();
    sortNumbers(whole.subarray(100, 250));
    expect(Array.from(whole.subarray(0, 100))).toEqual(Array.from(before.subarray(0, 100)));
    expect(Array.from(whole.subarray(250))).toEqual(Array.from(before.subarray(250)));
    expect(Array.from(whole.subarray(100, 250))).toEqual(Array.from(before.subarray(100, 250).sort()));
  });

  it('sortByKey moves the payload with its key and keeps equal keys in order (stable)', () => {
    const keys = Float64Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1000);
    const payload = Float64Array.from({ length: 5000 }, (_, i) => i);
    const expected = Array.from(keys, (key, i) => [key, i]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    sortByKey(keys, payload);
    expect(Array.from(keys, (key, i) => [key, payload[i]])).toEqual(expected);
  });
});
