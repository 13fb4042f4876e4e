import { createEarlyStopping, monitorMode } from './early-stopping.js';

describe('createEarlyStopping', () => {
  it('stops after `patience` epochs without an improvement larger than minDelta', () => {
    const tracker = createEarlyStopping({ monitor: 'val_loss', patience: 2, minDelta: 0.01 });
    expect([1.0, 0.5, 0.495, 0.492, 0.3].map((value, i) => tracker.observe(i + 1, value))).toEqual(['improved', 'improved', 'wait', 'stop', 'improved']);
    expect(tracker.bestEpoch).toBe(5);
  });

  it('maximises accuracy and stops at once with patience 0', () => {
    expect(monitorMode('val_accuracy')).toBe('max');
    expect(monitorMode('mae')).toBe('min');
    const tracker = createEarlyStopping({ monitor: 'accuracy', patience: 0, minDelta: 0 });
    expect(tracker.observe(1, 0.5)).toBe('improved');
    expect(tracker.observe(2, 0.6)).toBe('improved');
    expect(tracker.observe(3, 0.6)).toBe('stop');
    expect(tracker.bestValue).toBe(0.6);
  });
});
