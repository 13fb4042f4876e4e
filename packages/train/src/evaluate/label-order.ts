/** The order mlship lists class names and group values in: deterministic, locale-free. */

/**
 * Distinct values as text, sorted numerically when every value is a number, otherwise by UTF-16
 * code units (what scikit-learn's sorted labels and Python's sorted() give for strings).
 */
export function distinctSorted(values: Iterable<unknown>): string[] {
  const all = [...values];
  if (all.length > 0 && all.every((value) => typeof value === 'number')) {
    return [...new Set(all as number[])].sort((a, b) => a - b).map(String);
  }
  return [...new Set(all.map((value) => String(value)))].sort(compareText);
}

/** UTF-16 code-unit order. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
