/**
 * Records into the raw input row of an exported tabular model (its `features` input): the one
 * encoding that training, `model evaluate`, compress's judging rows and `serve` share, so that a
 * row gives the same answer everywhere. Also `@mlship/onnx/feature-row`, which imports nothing of
 * this package but types (the server bundle uses it).
 */
import { hashToBucket } from '@mlship/core';
import type { CategoryFeature, DatetimePart, FeatureSpec, NumericFeature } from './preprocessing.js';

export type { CategoryFeature, DatetimePart, FeatureSpec, NumericFeature } from './preprocessing.js';

/**
 * What {@link featureRow} reads of a feature: a {@link FeatureSpec}, or a signature's feature read
 * leniently (the standardisation and the encoding are the graph's business, not read here).
 */
export type RowFeature =
  | Pick<NumericFeature, 'name' | 'kind' | 'impute' | 'missingIndicator' | 'derive'>
  | Pick<CategoryFeature, 'name' | 'kind' | 'categories' | 'hashBuckets' | 'impute' | 'values' | 'unknown'>;

/** The kind of a value, which is what messages about an unknown category may say (never the value itself). */
export type ValueKind = 'string' | 'number' | 'boolean' | 'other';

export interface FeatureRowOptions<F extends RowFeature = FeatureSpec> {
  /** Called for each present category value not in `categories` (encoded -1), with the kind of the value. */
  onUnknown?(feature: Extract<F, { kind: 'category' }>, kind: ValueKind): void;
}

/**
 * The raw input row for `features` from a record (an object keyed by field name; only own
 * properties are read): numeric features give the number, NaN when missing (null, absent, empty or
 * unparsable text; the graph imputes it); derived features the datetime part of
 * `record[derive.from]`; categories their index in `categories` (their bucket when hashed, booleans
 * normalised first), `impute`'s index when missing (-1 without), -1 when unknown.
 */
export function featureRow<F extends RowFeature>(features: readonly F[], record: Readonly<Record<string, unknown>>, options: FeatureRowOptions<F> = {}): number[] {
  return features.map((feature) => featureInput(feature, fieldValue(record, featureField(feature)), options));
}

/** The record field a feature is read from: its own name, or the datetime it is derived from. */
export function featureField(feature: RowFeature): string {
  return feature.kind === 'numeric' && feature.derive ? feature.derive.from : feature.name;
}

/** An own property of the record (so `toString` or `__proto__` are fields like any other), else undefined. */
export function fieldValue(record: Readonly<Record<string, unknown>>, field: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, field) ? record[field] : undefined;
}

/** One feature's raw input from the value of its field (see {@link featureRow}). */
export function featureInput<F extends RowFeature>(feature: F, value: unknown, options: FeatureRowOptions<F> = {}): number {
  if (feature.kind === 'numeric') return feature.derive ? datetimePart(parseDatetime(value), feature.derive.part) : numericValue(value);
  if (isMissing(value)) return feature.impute !== undefined ? feature.categories.indexOf(feature.impute) : -1;
  if (feature.hashBuckets !== undefined) return hashToBucket(String(value), feature.hashBuckets);
  const text = feature.values === 'boolean' ? booleanText(value) : String(value);
  const index = text === undefined ? -1 : feature.categories.indexOf(text);
  if (index < 0) options.onUnknown?.(feature as Extract<F, { kind: 'category' }>, valueKind(value));
  return index;
}

/** The raw input of a category value: its index, its bucket when hashed, -1 when unknown (or missing without `impute`). */
export function categoryIndex(feature: Extract<RowFeature, { kind: 'category' }>, value: unknown): number {
  return featureInput(feature, value);
}

/** null, undefined and a NaN number: what a reader gives for an empty cell or a missing token. */
export function isMissing(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

export function valueKind(value: unknown): ValueKind {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' ? type : 'other';
}

/** A number as it is; numeric text parsed (NaN when empty or unparsable); true/false as 1/0; NaN for anything else. */
function numericValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim() === '' ? NaN : Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return NaN;
}

const TRUE_TEXT = new Set(['true', '1', 'yes']);
const FALSE_TEXT = new Set(['false', '0', 'no']);

/**
 * "true" or "false" for a boolean read leniently: JSON true/false, the numbers 1/0, and the text
 * true/false, 1/0, yes/no in any case; undefined for anything else.
 */
export function booleanText(value: unknown): 'true' | 'false' | undefined {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return value === 1 ? 'true' : value === 0 ? 'false' : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  return TRUE_TEXT.has(text) ? 'true' : FALSE_TEXT.has(text) ? 'false' : undefined;
}

/** Every {@link DatetimePart}, in the order the docs list them. */
export const DATETIME_PARTS: readonly DatetimePart[] = ['days', 'dayOfWeek', 'month', 'hour', 'year', 'dayOfYear'];

const DAY_MS = 86_400_000;
/** The largest |epoch ms| a Date holds. */
const MAX_TIME = 8.64e15;
/** ISO 8601 calendar date, optionally with a time (T, t or a space) and a zone (Z or ±HH:MM, ±HHMM, ±HH). */
const ISO_DATETIME = /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

/**
 * Milliseconds since the epoch of a datetime: ISO 8601 text (a date, or a date and time; no zone
 * means UTC), a number of epoch milliseconds, or a Date. NaN for anything else or an impossible date.
 */
export function parseDatetime(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) && Math.abs(value) <= MAX_TIME ? value : NaN;
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return NaN;
  const match = ISO_DATETIME.exec(value.trim());
  if (!match) return NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zulu, sign, oh = '0', om = '0'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return NaN;
  if (Number(oh) > 23 || Number(om) > 59) return NaN;
  const offset = zulu || !sign ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const ms = utcTime(year, month - 1, day) + ((hour * 60 + minute) * 60 + second) * 1000 + (fraction ? Number(`0.${fraction}`) * 1000 : 0) - offset;
  return Math.abs(ms) <= MAX_TIME ? ms : NaN;
}

/** A part of the datetime `ms` (epoch milliseconds) in UTC, as {@link DatetimePart} defines it; NaN for NaN. */
export function datetimePart(ms: number, part: DatetimePart): number {
  if (Number.isNaN(ms)) return NaN;
  if (part === 'days') return ms / DAY_MS;
  const date = new Date(ms);
  switch (part) {
    case 'dayOfWeek':
      return (date.getUTCDay() + 6) % 7;
    case 'month':
      return date.getUTCMonth() + 1;
    case 'hour':
      return date.getUTCHours();
    case 'year':
      return date.getUTCFullYear();
    case 'dayOfYear':
      return Math.floor((utcTime(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) - utcTime(date.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
  }
}

/** Epoch ms of midnight UTC on a date (Date.UTC reads years 0–99 as 1900–1999; this does not). */
function utcTime(year: number, monthIndex: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const BOOLEAN_CATEGORIES = ['false', 'true'];

/**
 * What is wrong with the fields that say how values are read and missing values filled (`impute`,
 * `missingIndicator`, `derive`, `values`, `unknown`), one message per problem naming the feature.
 * The graph's own fields (mean, std, encoding) are checked by the exporter.
 */
export function encodingProblems(feature: RowFeature): string[] {
  const problems: string[] = [];
  const at = `feature ${feature.name}`;
  const raw = feature as Partial<Record<string, unknown>>;
  if (feature.kind === 'numeric') {
    if (raw.impute !== undefined && !(typeof raw.impute === 'number' && Number.isFinite(raw.impute))) problems.push(`${at}: impute must be a finite number`);
    if (raw.missingIndicator !== undefined && typeof raw.missingIndicator !== 'boolean') problems.push(`${at}: missingIndicator must be true or false`);
    if (raw.missingIndicator === true && raw.impute === undefined) problems.push(`${at}: missingIndicator needs impute (a missing value must be filled)`);
    if (raw.derive !== undefined) {
      const derive = raw.derive as Partial<Record<string, unknown>> | null;
      if (typeof derive !== 'object' || derive === null || typeof derive.from !== 'string' || derive.from === '' || !DATETIME_PARTS.includes(derive.part as DatetimePart)) {
        problems.push(`${at}: derive needs from (a field name) and part (one of ${DATETIME_PARTS.join(', ')})`);
      }
    }
    return problems;
  }
  const categories = Array.isArray(raw.categories) ? (raw.categories as unknown[]) : [];
  if (raw.impute !== undefined && !(typeof raw.impute === 'string' && categories.includes(raw.impute))) problems.push(`${at}: impute must be one of its categories`);
  if (raw.values !== undefined) {
    if (raw.values !== 'boolean') problems.push(`${at}: values must be "boolean"`);
    else if (categories.length !== 2 || categories.some((category, k) => category !== BOOLEAN_CATEGORIES[k]) || raw.hashBuckets !== undefined) {
      problems.push(`${at}: values "boolean" needs the categories ["false", "true"] and no hashBuckets`);
    }
  }
  if (raw.unknown !== undefined && raw.unknown !== 'unknown' && raw.unknown !== 'error') problems.push(`${at}: unknown must be "unknown" or "error"`);
  return problems;
}
