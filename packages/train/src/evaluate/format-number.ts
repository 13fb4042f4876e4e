/** Fixed number formatting for reports: the same value always prints the same, on every platform. */

/** Decimals shown for metrics in Markdown. */
export const METRIC_DECIMALS = 4;

/**
 * `value` with a fixed number of decimals (`toFixed` rounds the exact binary value, so the text
 * depends on nothing but the number); a negative zero after rounding prints as 0; null and
 * non-finite values print as "n/a".
 */
export function formatFixed(value: number | null | undefined, decimals = METRIC_DECIMALS): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const text = value.toFixed(decimals);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

/** An integer count with no grouping (locale-free). */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value)) : 'n/a';
}
