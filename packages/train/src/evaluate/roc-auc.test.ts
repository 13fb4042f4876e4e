import { rocAuc } from './roc-auc.js';

/** Brute force over all (positive, negative) pairs, ties one half. */
function pairwise(positive: boolean[], scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  positive.forEach((p, i) => {
    if (!p) return;
    positive.forEach((q, j) => {
      if (q) return;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('rocAuc', () => {
  test('perfect, reversed and fully tied rankings', () => {
    expect(rocAuc([false, false, true, true], [0.1, 0.2, 0.3, 0.4]).value).toBe(1);
    expect(rocAuc([true, true, false, false], [0.1, 0.2, 0.3, 0.4]).value).toBe(0);
    expect(rocAuc([true, false, true, false], [0.5, 0.5, 0.5, 0.5]).value).toBe(0.5);
  });

  test('ties count one half, as the Mann–Whitney statistic', () => {
    // positives 0.5, 0.8; negatives 0.5, 0.2: pairs (0.5>0.2)=1, (0.5=0.5)=½, (0.8>…)=2 → 3.5/4
    expect(rocAuc([true, false, true, false], [0.5, 0.5, 0.8, 0.2]).value).toBe(0.875);
  });

  test('equals the pairwise count on random tie-heavy data', () => {
    let seed = 7;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + Math.floor(next() * 60);
      const positive = Array.from({ length: n }, () => next() < 0.4);
      if (!positive.includes(true) || !positive.includes(false)) continue;
      const scores = positive.map((p) => Math.round((next() + (p ? 0.3 : 0)) * 5) / 5);
      expect(rocAuc(positive, scores).value).toBeCloseTo(pairwise(positive, scores), 14);
    }
  });

  test('one class only: null with a reason', () => {
    expect(rocAuc([true, true], [0.1, 0.9])).toEqual({ value: null, reason: expect.stringMatching(/no negative rows/) });
    expect(rocAuc([false], [0.1])).toEqual({ value: null, reason: expect.stringMatching(/no positive rows/) });
  });
});
