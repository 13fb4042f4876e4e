import type { ColumnType } from './types.js';

/** A cell as the readers yield it. */
export type RawCell = string | number | boolean | null;

const NULL_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none']);
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const TRUE_TOKENS = new Set(['true', 'yes']);
const FALSE_TOKENS = new Set(['false', 'no']);

/** Missing values: null, and the usual spellings of "missing" in text files. */
export function isMissing(cell: RawCell): boolean {
  if (cell === null) return true;
  if (typeof cell !== 'string') return false;
  // Every missing token is empty or starts with n/N once trimmed: most cells are told apart by one character.
  const first = cell.charCodeAt(0);
  if (first > 0x20 && (first | 0x20) !== 0x6e) return false;
  return NULL_TOKENS.has(cell.trim().toLowerCase());
}

/** A typed value, or undefined when the cell does not hold a value of that type. Datetimes become epoch ms. */
export function parseTyped(cell: Exclude<RawCell, null>, type: ColumnType): number | string | boolean | undefined {
  switch (type) {
    case 'integer': {
      if (typeof cell === 'number') return Number.isSafeInteger(cell) ? cell : undefined;
      if (typeof cell !== 'string' || !INTEGER.test(cell.trim())) return undefined;
      const value = Number(cell);
      return Number.isSafeInteger(value) ? value : undefined;
    }
    case 'number': {
      if (typeof cell === 'number') return Number.isFinite(cell) ? cell : undefined;
      if (typeof cell !== 'string' || !NUMBER.test(cell.trim())) return undefined;
      const value = Number(cell);
      return Number.isFinite(value) ? value : undefined;
    }
    case 'boolean': {
      if (typeof cell === 'boolean') return cell;
      const text = String(cell).trim().toLowerCase();
      return TRUE_TOKENS.has(text) ? true : FALSE_TOKENS.has(text) ? false : undefined;
    }
    case 'datetime': {
      if (typeof cell !== 'string' || !DATETIME.test(cell.trim())) return undefined;
      const value = Date.parse(cell.trim());
      return Number.isNaN(value) ? undefined : value;
    }
    case 'category':
    case 'string':
      return typeof cell === 'string' ? cell : String(cell);
  }
}

/** False when `text` cannot be a number by its first character (a digit, sign, point or space can): skips the regular expression for most words. */
function startsLikeNumber(text: string): boolean {
  const first = text.charCodeAt(0);
  return (first >= 0x30 && first <= 0x39) || first === 0x2d || first === 0x2b || first === 0x2e || first <= 0x20;
}

/** The text form used to compare categories and detect duplicates. */
export function cellText(cell: RawCell): string {
  return cell === null ? '' : typeof cell === 'string' ? cell : String(cell);
}

/** A cell as profiles want it: missing → null, numeric text → number, anything else unchanged. */
export function coerceCell(cell: RawCell): RawCell {
  if (isMissing(cell)) return null;
  if (typeof cell === 'string' && startsLikeNumber(cell) && NUMBER.test(cell.trim())) {
    const value = Number(cell);
    if (Number.isFinite(value)) return value;
  }
  return cell;
}
