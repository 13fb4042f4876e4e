import { isIP } from 'node:net';

/**
 * Personal-data detectors, and the one rule every output of mlship follows with them: a value a
 * detector flags is never written anywhere (files, reports, logs, metadata, errors). It is replaced
 * by its placeholder (`<email>`, `<phone>`, …) and counted.
 *
 * A value is flagged when it is personal data as a whole (`jane@example.org`, `+44 20 7946 0958`) or
 * holds some inside free text (`contact jane@example.org today`); a whole value is then replaced,
 * not only the part that matched.
 */

export const PII_KINDS = ['email', 'card_number', 'iban', 'ip_address', 'national_id', 'phone'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export interface PiiDetector {
  name: PiiKind;
  description: string;
  /** The whole (trimmed) value is of this kind. */
  matches(value: string): boolean;
  /** Some part of free text is of this kind (stricter than `matches` where a loose rule would flag ordinary text). */
  occursIn(text: string): boolean;
}

const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
// Bounded parts (RFC 5321 lengths), so a long run of text around an '@' is searched in linear time.
const EMAIL_INSIDE = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/;
const PHONE = /^(?:\+|00)?[\d ()./-]{9,20}$/;
const CARD = /^(?:\d[ -]?){12,18}\d$/;
const CARD_INSIDE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?!\d)/g;
const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9 ]{11,34}$/;
const IBAN_INSIDE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}/g;
const IPV4_INSIDE = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g;
const IPV6_INSIDE = /(?<![0-9A-Fa-f:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Fa-f:])/g;
/** US SSN, UK National Insurance number, and similar fixed-shape national identifiers. */
const NATIONAL_ID = [/^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/, /^[A-CEGHJ-PR-TW-Z]{2}\d{6}[A-D]$/];
const NATIONAL_ID_INSIDE = [/(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/, /(?<![A-Za-z0-9])[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/];
/**
 * Phone numbers inside text: digits with phone punctuation, written internationally (`+` or `00`),
 * with an area code in brackets, or in the North-American 3-3-4 shape. Dates and times do not match.
 */
const PHONE_INSIDE = /(?<![\w+])(?:\+|00)?\(?\d[\d ().-]{7,18}\d(?!\w)/g;
const NANP = /^\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}$/;

/** Luhn checksum: card numbers pass it, most random digit strings do not. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** IBAN check digits (ISO 13616: mod 97 of the rearranged number equals 1). */
export function ibanValid(text: string): boolean {
  const compact = text.replace(/ /g, '');
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const chunk = code >= 65 ? String(code - 55) : char;
    for (const digit of chunk) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

const digitCount = (text: string) => text.match(/\d/g)?.length ?? 0;

/** Every match of a global pattern, tested with `accept` (the pattern's lastIndex is reset). */
function anyMatch(pattern: RegExp, text: string, accept: (match: string) => boolean): boolean {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (accept(match[0])) return true;
    if (match[0].length === 0) pattern.lastIndex += 1;
  }
  return false;
}

function cardNumber(text: string): boolean {
  const digits = text.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
}

/** An IBAN match may run on into the next word ("… 32 AND"): try it cut back word by word. */
function ibanInside(match: string): boolean {
  const words = match.split(' ');
  for (let end = words.length; end > 0; end -= 1) {
    const candidate = words.slice(0, end).join('');
    if (candidate.length >= 15 && candidate.length <= 34 && /^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(candidate) && ibanValid(candidate)) return true;
  }
  return false;
}

function phoneInside(match: string): boolean {
  const digits = digitCount(match);
  if (digits < 9 || digits > 15) return false;
  if (/\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4}/.test(match)) return false;
  const international = match.startsWith('+') || match.startsWith('00');
  return international || /^\(\d{2,5}\)/.test(match) || NANP.test(match);
}

export const PII_DETECTORS: readonly PiiDetector[] = [
  {
    name: 'email',
    description: 'e-mail addresses',
    matches: (v) => v.length <= 254 && EMAIL.test(v),
    occursIn: (t) => t.includes('@') && EMAIL_INSIDE.test(t),
  },
  {
    name: 'card_number',
    description: 'payment card numbers (Luhn-checked)',
    matches: (v) => CARD.test(v) && luhnValid(v.replace(/[ -]/g, '')),
    occursIn: (t) => anyMatch(CARD_INSIDE, t, cardNumber),
  },
  {
    name: 'iban',
    description: 'IBANs (checksum-verified)',
    matches: (v) => IBAN.test(v) && ibanValid(v),
    occursIn: (t) => anyMatch(IBAN_INSIDE, t, ibanInside),
  },
  {
    name: 'ip_address',
    description: 'IPv4 and IPv6 addresses',
    matches: (v) => isIP(v) !== 0,
    occursIn: (t) => anyMatch(IPV4_INSIDE, t, (m) => isIP(m) === 4) || (t.includes(':') && anyMatch(IPV6_INSIDE, t, (m) => /\d/.test(m) && isIP(m) === 6)),
  },
  {
    name: 'national_id',
    description: 'national-ID-like numbers (SSN, NI number)',
    matches: (v) => NATIONAL_ID.some((p) => p.test(v)),
    occursIn: (t) => NATIONAL_ID_INSIDE.some((p) => p.test(t)),
  },
  {
    name: 'phone',
    description: 'phone numbers',
    // At least 9 digits written with phone punctuation; bare digit strings are not taken for phones.
    matches: (v) => PHONE.test(v) && /[\s()+.-]|^00/.test(v) && digitCount(v) >= 9,
    occursIn: (t) => anyMatch(PHONE_INSIDE, t, phoneInside),
  },
];

const PLAIN_NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;

/** Text longer than this is searched in its first this-many characters only (bounds the cost of one cell). */
const MAX_SCANNED = 65_536;

/**
 * The kind of personal data a value is or holds, or undefined. Detectors are tried in order and the
 * first match wins, so an IP address or an SSN is not also counted as a phone number. Numbers are
 * flagged only as card numbers (integers of 13 to 19 digits passing Luhn): bare numbers are not
 * taken for phones or IDs.
 */
export function detectPii(value: unknown): PiiKind | undefined {
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && (!Number.isInteger(value) || Math.abs(value) < 1e12)) return undefined;
    const digits = String(value).replace(/^-/, '');
    return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? 'card_number' : undefined;
  }
  if (typeof value !== 'string' || value.length < 7) return undefined;
  const text = value.length > MAX_SCANNED ? value.slice(0, MAX_SCANNED) : value;
  const trimmed = text.trim();
  // A number written as text is judged as the number: `1443.3333333` is no phone, `4012888888881881` is a card
  // (a leading `+` is a phone's, not a number's: `+442079460958`).
  if (PLAIN_NUMBER.test(trimmed)) return INTEGER.test(trimmed) ? detectPii(BigInt(trimmed)) : undefined;
  const whole = PII_DETECTORS.find((detector) => detector.matches(trimmed));
  if (whole) return whole.name;
  // Every inside pattern needs a digit, '@' or ':' (IPv6); most words have none.
  if (!/[\d@:]/.test(text)) return undefined;
  return PII_DETECTORS.find((detector) => detector.occursIn(text))?.name;
}

/** What replaces a flagged value in every output: `<email>`, `<card_number>`, … */
export function piiPlaceholder(kind: PiiKind): string {
  return `<${kind}>`;
}

/** True for a placeholder `piiPlaceholder` made (so masking twice changes nothing and counts nothing). */
export function isPiiPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && value.length > 2 && value.startsWith('<') && value.endsWith('>') && (PII_KINDS as readonly string[]).includes(value.slice(1, -1));
}

/** The description of a kind, for messages ("e-mail addresses"). */
export function describePiiKind(kind: PiiKind): string {
  return PII_DETECTORS.find((detector) => detector.name === kind)?.description ?? kind;
}

/** `value` itself, or its placeholder when a detector flags it. */
export function maskPii<T>(value: T): T | string {
  const kind = detectPii(value);
  return kind === undefined ? value : piiPlaceholder(kind);
}

/** Counts of flagged values by kind, as outputs report them. */
export type PiiCounts = Partial<Record<PiiKind, number>>;

/**
 * Masks values and counts what it replaced; remembers the verdict for up to `cacheSize` distinct
 * strings, so the repeated values of categorical columns are searched once.
 */
export class PiiMasker {
  readonly counts: PiiCounts = {};
  private readonly cache = new Map<string, PiiKind | undefined>();

  constructor(private readonly cacheSize = 4096) {}

  /** The kind of a value (cached for strings), without counting it. */
  kindOf(value: unknown): PiiKind | undefined {
    if (typeof value !== 'string') return detectPii(value);
    if (this.cache.has(value)) return this.cache.get(value);
    const kind = detectPii(value);
    if (this.cache.size < this.cacheSize) this.cache.set(value, kind);
    return kind;
  }

  /** `value`, or its placeholder (counted `times` times). */
  mask<T>(value: T, times = 1): T | string {
    const kind = this.kindOf(value);
    if (kind === undefined) return value;
    this.counts[kind] = (this.counts[kind] ?? 0) + times;
    return piiPlaceholder(kind);
  }

  get flagged(): number {
    return Object.values(this.counts).reduce((sum, count) => sum + (count ?? 0), 0);
  }
}

/** Adds `more` into `into` (both counts by kind). */
export function addPiiCounts(into: PiiCounts, more: PiiCounts): PiiCounts {
  for (const [kind, count] of Object.entries(more) as Array<[PiiKind, number]>) into[kind] = (into[kind] ?? 0) + count;
  return into;
}

/** "29 e-mail addresses, 3 phone numbers": a count summary that names no value. */
export function describePiiCounts(counts: PiiCounts): string {
  return (Object.entries(counts) as Array<[PiiKind, number]>)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${describePiiKind(kind)}`)
    .join(', ');
}

/**
 * A value from data as error messages and logs quote it: JSON-quoted, its placeholder when it is
 * personal data, and cut to `max` characters (so one huge cell cannot flood a terminal or a log).
 */
export function quoteDataValue(value: unknown, max = 40): string {
  const text = JSON.stringify(maskPii(value ?? null)) ?? String(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
