/** Class weights for the loss: given per class name, or `balanced` from the training rows. */
import { specError } from '../errors.js';

/**
 * Weight per class index. `balanced` is n / (k × count of the class) over the training rows
 * (scikit-learn's `class_weight='balanced'`; a class without rows gets 1). Named weights default to 1
 * for classes not named; a name that is not a class is MLSHIP_E_TRAIN_SPEC.
 */
export function classWeightsFor(setting: 'balanced' | Record<string, number>, classes: readonly string[], trainClasses: ArrayLike<number>): Record<number, number> {
  if (setting === 'balanced') {
    const counts = new Array<number>(classes.length).fill(0);
    for (let i = 0; i < trainClasses.length; i++) counts[trainClasses[i]!]! += 1;
    return Object.fromEntries(counts.map((count, c) => [c, count === 0 ? 1 : trainClasses.length / (classes.length * count)]));
  }
  const unknown = Object.keys(setting).filter((name) => !classes.includes(name));
  if (unknown.length > 0) {
    throw specError(`classWeights names ${unknown.map((name) => JSON.stringify(name)).join(', ')}, not among the classes ${JSON.stringify(classes)}`, 'use the class names of the label column', {
      unknown,
      classes,
    });
  }
  return Object.fromEntries(classes.map((name, c) => [c, setting[name] ?? 1]));
}
