import { checkSchedule, sparsityAt, type PruningSchedule } from './pruning-schedule.js';

/** TF-MOT PolynomialDecay, written out from its definition. */
function tfmot(s: Required<PruningSchedule>, step: number): [boolean, number] {
  const inRange = step >= s.beginStep && step <= s.endStep;
  const turn = (step - s.beginStep) % s.frequency === 0;
  const p = Math.min(1, Math.max(0, (step - s.beginStep) / (s.endStep - s.beginStep)));
  return [inRange && turn, (s.initialSparsity - s.finalSparsity) * (1 - p) ** s.power + s.finalSparsity];
}

describe('sparsityAt', () => {
  const schedule: Required<PruningSchedule> = { initialSparsity: 0.1, finalSparsity: 0.8, beginStep: 20, endStep: 120, frequency: 10, power: 3 };

  it('matches the TF-MOT formula at every update step and updates nowhere else', () => {
    let updates = 0;
    for (let step = 0; step <= 200; step++) {
      const [update, sparsity] = tfmot(schedule, step);
      const got = sparsityAt(schedule, step);
      if (update) {
        updates++;
        expect(got).toBeCloseTo(sparsity, 12);
      } else expect(got).toBeNull();
    }
    expect(updates).toBe(11);
  });

  it('starts at the initial sparsity, ends at the final one, and rises monotonically', () => {
    expect(sparsityAt(schedule, 20)).toBeCloseTo(0.1, 12);
    expect(sparsityAt(schedule, 120)).toBeCloseTo(0.8, 12);
    expect(sparsityAt(schedule, 70)).toBeCloseTo(0.8 - 0.7 * 0.125, 12);
    const values = [20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120].map((step) => sparsityAt(schedule, step)!);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
  });

  it('defaults to power 3 and always updates at the end step', () => {
    const { power: _power, ...cubic } = schedule;
    expect(sparsityAt(cubic, 40)).toBeCloseTo(0.8 - 0.7 * 0.8 ** 3, 12);
    const ragged = { ...cubic, endStep: 115 };
    expect(sparsityAt(ragged, 115)).toBeCloseTo(0.8, 12);
    expect(sparsityAt(ragged, 114)).toBeNull();
    expect(sparsityAt({ ...ragged, power: 1 }, 70)).toBeCloseTo(0.1 + 0.7 * (50 / 95), 12);
  });
});

describe('checkSchedule', () => {
  const good: PruningSchedule = { initialSparsity: 0, finalSparsity: 0.8, beginStep: 0, endStep: 100, frequency: 10 };

  it('accepts a sound schedule', () => {
    expect(checkSchedule(good)).toEqual([]);
    expect(checkSchedule(good, 101)).toEqual([]);
  });

  it('names every problem', () => {
    expect(checkSchedule({ initialSparsity: 0.9, finalSparsity: 1, beginStep: -1, endStep: -1, frequency: 0, power: 0 })).toEqual([
      'final sparsity 1 is outside [0, 1)',
      'begin step -1 is not a whole number ≥ 0',
      'end step -1 is not a whole number above the begin step -1',
      'frequency 0 is not a whole number ≥ 1',
      'power 0 is not a number > 0',
    ]);
    expect(checkSchedule({ ...good, initialSparsity: 0.9 })).toEqual(['initial sparsity 0.9 is above the final sparsity 0.8']);
    expect(checkSchedule({ ...good, endStep: 0 })).toEqual(['end step 0 is not a whole number above the begin step 0']);
  });

  it('refuses an end step training never reaches', () => {
    expect(checkSchedule(good, 100)).toEqual(['end step 100 is past the last of the 100 training steps, so the final sparsity would never be reached']);
  });
});
