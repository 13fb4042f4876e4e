/** Early stopping as Keras does it, as a pure tracker of one monitored value per epoch. */

export interface EarlyStoppingConfig {
  monitor: string;
  patience: number;
  minDelta: number;
}

export interface EarlyStoppingTracker {
  /** Records an epoch's value: `improved` (a new best), `wait`, or `stop` after `patience` epochs without improvement. */
  observe(epoch: number, value: number): 'improved' | 'wait' | 'stop';
  /** The best epoch so far (null before the first). */
  readonly bestEpoch: number | null;
  readonly bestValue: number | null;
}

/** Higher is better for accuracy, lower for losses and errors. */
export function monitorMode(monitor: string): 'max' | 'min' {
  return /accuracy$/.test(monitor) ? 'max' : 'min';
}

/**
 * An improvement beats the best by more than `minDelta` (a NaN never does). After `patience` epochs
 * in a row without one, `observe` says stop (Keras's rule; patience 0 stops at the first such epoch).
 */
export function createEarlyStopping(config: EarlyStoppingConfig): EarlyStoppingTracker {
  const sign = monitorMode(config.monitor) === 'max' ? 1 : -1;
  let bestEpoch: number | null = null;
  let bestValue: number | null = null;
  let waited = 0;
  return {
    observe(epoch, value) {
      if (bestValue === null ? !Number.isNaN(value) : sign * (value - bestValue) > config.minDelta) {
        bestEpoch = epoch;
        bestValue = value;
        waited = 0;
        return 'improved';
      }
      waited += 1;
      return waited >= config.patience ? 'stop' : 'wait';
    },
    get bestEpoch() {
      return bestEpoch;
    },
    get bestValue() {
      return bestValue;
    },
  };
}
