import { isIP } from 'node:net';

/**
 * Personal-data detectors. Each reports whether a value looks like personal data; validation counts
 * matches per column and never keeps or prints the values themselves.
 */

export interface PiiDetector {
  name: string;
  description: string;
  matches(value: string): boolean;
}

const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const EMAIL_INSIDE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
const PHONE = /^(?:\+|00)?[\d ()./-]{9,20}$/;
const CARD = /^(?:\d[ -]?){12,18}\d$/;
const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9 ]{11,34}$/;
/** US SSN, UK National Insurance number, and similar fixed-shape national identifiers. */
const NATIONAL_ID = [/^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/, /^[A-CEGHJ-PR-TW-Z]{2}\d{6}[A-D]$/];

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

export const PII_DETECTORS: PiiDetector[] = [
  { name: 'email', description: 'e-mail addresses', matches: (v) => (v.length <= 254 && EMAIL.test(v)) || (v.length <= 2048 && v.includes('@') && EMAIL_INSIDE.test(v)) },
  {
    name: 'card_number',
    description: 'payment card numbers (Luhn-checked)',
    matches: (v) => CARD.test(v) && luhnValid(v.replace(/[ -]/g, '')),
  },
  { name: 'iban', description: 'IBANs (checksum-verified)', matches: (v) => IBAN.test(v) && ibanValid(v) },
  { name: 'ip_address', description: 'IPv4 and IPv6 addresses', matches: (v) => isIP(v) !== 0 },
  { name: 'national_id', description: 'national-ID-like numbers (SSN, NI number)', matches: (v) => NATIONAL_ID.some((p) => p.test(v)) },
  {
    name: 'phone',
    description: 'phone numbers',
    // At least 9 digits written with phone punctuation; bare digit strings are not taken for phones.
    matches: (v) => PHONE.test(v) && /[\s()+.-]|^00/.test(v) && (v.match(/\d/g)?.length ?? 0) >= 9,
  },
];

/**
 * The kind of personal data a value looks like, or undefined. Detectors are tried in order and the first
 * match wins, so an IP address or an SSN is not also counted as a phone number.
 */
export function detectPii(value: string): string | undefined {
  if (value.length < 7 || value.length > 2048) return undefined;
  const trimmed = value.trim();
  return PII_DETECTORS.find((detector) => detector.matches(trimmed))?.name;
}
