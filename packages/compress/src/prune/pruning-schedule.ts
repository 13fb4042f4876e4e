/**
 * The pruning schedule: TF-MOT's PolynomialDecay. Sparsity rises from `initialSparsity` at `beginStep`
 * to `finalSparsity` at `endStep` along (1 − progress)^power, and masks are recomputed every
 * `frequency` optimiser steps inside [beginStep, endStep]. Steps count optimiser steps from 0.
 * Unlike TF-MOT, `endStep` itself always updates the masks, so the final sparsity is reached even
 * where endStep − beginStep is not a multiple of the frequency.
 */

export interface PruningSchedule {
  initialSparsity: number;
  finalSparsity: number;
  beginStep: number;
  endStep: number;
  /** Optimiser steps between mask updates. */
  frequency: number;
  /** The decay's exponent (TF-MOT's default 3: fast early, gentle near the end). */
  power?: number;
}

export const DEFAULT_POWER = 3;

/**
 * The sparsity the masks take at `step`, or null where the schedule updates no mask at that step
 * (outside [beginStep, endStep] or between updates). Expects a schedule `checkSchedule` accepts.
 */
export function sparsityAt(schedule: PruningSchedule, step: number): number | null {
  const { initialSparsity, finalSparsity, beginStep, endStep, frequency } = schedule;
  if (step < beginStep || step > endStep || ((step - beginStep) % frequency !== 0 && step !== endStep)) return null;
  const progress = Math.min(1, Math.max(0, (step - beginStep) / (endStep - beginStep)));
  return (initialSparsity - finalSparsity) * (1 - progress) ** (schedule.power ?? DEFAULT_POWER) + finalSparsity;
}

/**
 * What is wrong with a schedule, as messages for a usage error (empty when it is fine). With `steps`
 * (the optimiser steps training will run) it also refuses a schedule whose end training never reaches.
 */
export function checkSchedule(schedule: PruningSchedule, steps?: number): string[] {
  const { initialSparsity, finalSparsity, beginStep, endStep, frequency, power } = schedule;
  const problems: string[] = [];
  const isSparsity = (value: number) => Number.isFinite(value) && value >= 0 && value < 1;
  if (!isSparsity(initialSparsity)) problems.push(`initial sparsity ${initialSparsity} is outside [0, 1)`);
  if (!isSparsity(finalSparsity)) problems.push(`final sparsity ${finalSparsity} is outside [0, 1)`);
  if (isSparsity(initialSparsity) && isSparsity(finalSparsity) && initialSparsity > finalSparsity) {
    problems.push(`initial sparsity ${initialSparsity} is above the final sparsity ${finalSparsity}`);
  }
  if (!Number.isInteger(beginStep) || beginStep < 0) problems.push(`begin step ${beginStep} is not a whole number ≥ 0`);
  if (!Number.isInteger(endStep) || endStep <= beginStep) problems.push(`end step ${endStep} is not a whole number above the begin step ${beginStep}`);
  if (!Number.isInteger(frequency) || frequency < 1) problems.push(`frequency ${frequency} is not a whole number ≥ 1`);
  if (power !== undefined && (!Number.isFinite(power) || power <= 0)) problems.push(`power ${power} is not a number > 0`);
  if (steps !== undefined && Number.isInteger(endStep) && endStep > steps - 1) {
    problems.push(`end step ${endStep} is past the last of the ${steps} training steps, so the final sparsity would never be reached`);
  }
  return problems;
}
