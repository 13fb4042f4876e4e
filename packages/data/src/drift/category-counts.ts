/**
 * Category counts as the categorical drift tests take them: any iterable of [category, count]
 * pairs, so a Map, an array of pairs or a profile's `counts` list all fit. Categories compare by
 * value and type (the number 1 and the string "1" differ), as in profiles.
 */

export type CategoryKey = string | number;
export type CategoryCountsInput = Iterable<readonly [CategoryKey, number]>;

/** Counts of both sides over the union of their categories, in the same order. */
export interface AlignedCategoryCounts {
  keys: CategoryKey[];
  reference: number[];
  current: number[];
}

/**
 * Aligns two count lists over the union of categories: reference categories in their order, then
 * those only the current side has. Repeated categories add up; categories counted 0 on both sides
 * are left out. Counts must be finite and non-negative (RangeError otherwise).
 */
export function alignCategoryCounts(reference: CategoryCountsInput, current: CategoryCountsInput): AlignedCategoryCounts {
  const index = new Map<CategoryKey, number>();
  const aligned: AlignedCategoryCounts = { keys: [], reference: [], current: [] };
  const add = (pairs: CategoryCountsInput, side: 'reference' | 'current') => {
    for (const [key, count] of pairs) {
      if (!(Number.isFinite(count) && count >= 0)) throw new RangeError(`category counts must be finite and non-negative, got ${count} for ${String(key)}`);
      let position = index.get(key);
      if (position === undefined) {
        position = aligned.keys.length;
        index.set(key, position);
        aligned.keys.push(key);
        aligned.reference.push(0);
        aligned.current.push(0);
      }
      aligned[side][position] = aligned[side][position]! + count;
    }
  };
  add(reference, 'reference');
  add(current, 'current');
  const keep = aligned.keys.map((_, i) => aligned.reference[i]! > 0 || aligned.current[i]! > 0);
  if (keep.every(Boolean)) return aligned;
  return {
    keys: aligned.keys.filter((_, i) => keep[i]),
    reference: aligned.reference.filter((_, i) => keep[i]),
    current: aligned.current.filter((_, i) => keep[i]),
  };
}

/** Python's sort order for one column's categories: numbers ascending, then strings by code point. */
export function compareCategoryKeys(a: CategoryKey, b: CategoryKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  const left = Array.from(a);
  const right = Array.from(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}
