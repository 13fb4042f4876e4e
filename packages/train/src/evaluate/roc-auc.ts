/**
 * Area under the ROC curve as the Mann–Whitney statistic: the probability that a random positive
 * row scores above a random negative one, a tie counting one half. That equals the trapezoidal area
 * under the ROC curve with tied scores as one step, which is what scikit-learn's roc_auc_score gives.
 */

export interface RocAucResult {
  /** Null when the area is undefined. */
  value: number | null;
  /** Why `value` is null. */
  reason?: string;
}

/**
 * `positive[i]` says whether row i belongs to the positive class; `scores[i]` is its score (higher
 * means more likely positive). Scores must be finite (checked by the caller). With no positive or no
 * negative row the area is undefined: null, with a reason.
 */
export function rocAuc(positive: ArrayLike<boolean>, scores: ArrayLike<number>): RocAucResult {
  const n = scores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (positive[i]) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    return { value: null, reason: `only one class is present in the true labels (${positives === 0 ? 'no positive' : 'no negative'} rows): ROC AUC is undefined` };
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  // Twice the count of (positive, negative) pairs ranked right, ties counting one: an exact integer.
  let twiceWins = 0;
  let negativesBelow = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    let blockPositives = 0;
    let blockNegatives = 0;
    while (end < n && scores[order[end]!] === scores[order[start]!]) {
      if (positive[order[end]!]) blockPositives++;
      else blockNegatives++;
      end++;
    }
    twiceWins += blockPositives * (2 * negativesBelow + blockNegatives);
    negativesBelow += blockNegatives;
    start = end;
  }
  return { value: twiceWins / (2 * positives * negatives) };
}
