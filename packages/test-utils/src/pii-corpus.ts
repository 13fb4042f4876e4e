/**
 * A corpus of synthetic personal data for tests: values every PII detector must flag, alone and inside
 * free text, and a customer table that holds them in CSV, JSON Lines and Parquet. Every number passes
 * the checks real ones pass (Luhn for cards, ISO 13616 for IBANs); none belongs to anybody.
 */
import { writeTableFile, type TableFileFormat } from './table-file.js';

export interface PiiSample {
  kind: 'email' | 'card_number' | 'iban' | 'ip_address' | 'national_id' | 'phone';
  /** The value as a whole cell. */
  value: string;
  /** The same kind inside free text. */
  text: string;
}

export const PII_SAMPLES: readonly PiiSample[] = [
  { kind: 'email', value: 'jane.doe@example.org', text: 'contact jane.doe7@example.org about the renewal' },
  { kind: 'email', value: 'o.brien+billing@mail.example.co.uk', text: 'cc: o.brien+ops@mail.example.co.uk, thanks' },
  { kind: 'phone', value: '+44 20 7946 0958', text: 'call me on +44 20 7946 0321 after 5' },
  { kind: 'phone', value: '(415) 555-0132', text: 'office (415) 555-0199 or mobile' },
  { kind: 'phone', value: '+1-202-555-0173', text: 'reach her at 202-555-0188 any day' },
  { kind: 'card_number', value: '4111 1111 1111 1111', text: 'paid with 5500-0000-0000-0004 last week' },
  { kind: 'card_number', value: '4012888888881881', text: 'card 378282246310005 was declined' },
  { kind: 'iban', value: 'GB82 WEST 1234 5698 7654 32', text: 'refund to DE89 3704 0044 0532 0130 00 AND close' },
  { kind: 'iban', value: 'FR1420041010050500013M02606', text: 'iban NL91ABNA0417164300 on file' },
  { kind: 'ip_address', value: '192.168.10.23', text: 'login from 10.20.30.40 failed twice' },
  { kind: 'ip_address', value: '2001:db8::8a2e:370:7334', text: 'seen at fe80::1ff:fe23:4567:890a yesterday' },
  { kind: 'national_id', value: '123-45-6789', text: 'ssn 234-56-7890 on file' },
  { kind: 'national_id', value: 'AB123456C', text: 'NI number CE 65 43 21 A verified' },
];

/** Every flagged string the corpus holds, and the compact forms (no spaces or dashes) of the numbers: none may appear in any output. */
export function piiNeedles(): string[] {
  const needles = new Set<string>();
  for (const sample of PII_SAMPLES) {
    needles.add(sample.value);
    for (const match of sample.text.match(/[^\s,]*[@\d][^\s,]*(?:[ -][\dA-Z()+-]+)*/g) ?? []) if (match.length >= 7) needles.add(match);
    if (['card_number', 'iban', 'phone', 'national_id'].includes(sample.kind)) needles.add(sample.value.replace(/[\s()-]/g, ''));
  }
  // Pieces of free text specific enough that finding them means a value leaked.
  for (const piece of ['jane.doe7@example.org', 'o.brien+ops@mail.example.co.uk', '7946 0321', '555-0199', '202-555-0188', '5500-0000-0000-0004', '378282246310005', 'DE89 3704', 'NL91ABNA0417164300', '10.20.30.40', 'fe80::1ff:fe23', '234-56-7890', 'CE 65 43 21 A']) needles.add(piece);
  return [...needles];
}

export interface PiiTableRow {
  id: number;
  age: number;
  segment: string;
  /** Free text; every 7th row holds a corpus sample inside it. */
  notes: string;
  /** A whole corpus value in every 5th row, else empty. */
  contact: string | null;
  churned: string;
}

/**
 * `rows` customers: numeric, categorical and free-text columns, personal data in `notes` (every 7th
 * row, inside text) and `contact` (every 5th row, whole values), and a label learnable from `age` and
 * `segment`. Counts of flagged values per column are `expectedPii(rows)`.
 */
export function piiTableRows(rows = 200): PiiTableRow[] {
  const segments = ['retail', 'smb', 'enterprise'];
  const phrases = ['asked about pricing', 'happy with support', 'wants a discount', 'moved offices', 'no answer'];
  return Array.from({ length: rows }, (_, i) => {
    const age = 20 + ((i * 37) % 50);
    const segment = segments[i % 3]!;
    const sample = PII_SAMPLES[i % PII_SAMPLES.length]!;
    return {
      id: i + 1,
      age,
      segment,
      notes: i % 7 === 0 ? sample.text : `${phrases[i % phrases.length]} (${i})`,
      contact: i % 5 === 0 ? sample.value : null,
      churned: age > 45 !== (segment === 'enterprise') ? 'yes' : 'no',
    };
  });
}

/** How many values of each column the detectors flag in `piiTableRows(rows)`. */
export function expectedPii(rows = 200): { notes: number; contact: number } {
  return { notes: Math.ceil(rows / 7), contact: Math.ceil(rows / 5) };
}

const COLUMNS = ['id', 'age', 'segment', 'notes', 'contact', 'churned'] as const;

/** Writes the table as CSV, JSON Lines or Parquet (by `format`). */
export async function writePiiTable(path: string, format: TableFileFormat, rows = 200): Promise<void> {
  await writeTableFile(path, format, {
    columns: COLUMNS,
    rows: piiTableRows(rows),
    parquet: { id: 'INT64', age: 'DOUBLE', segment: 'STRING', notes: 'STRING', contact: 'STRING', churned: 'STRING' },
  });
}
