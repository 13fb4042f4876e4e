// Records into raw input rows: the one encoding train, evaluate and serve share.
import { booleanText, datetimePart, encodingProblems, featureRow, parseDatetime, type ValueKind } from './feature-row.js';
import { checkPreprocessing, encodedWidth, encodeFeatures, type CategoryFeature, type FeatureSpec } from './preprocessing.js';

const DAY = 86_400_000;

describe('featureRow', () => {
  it('reads numbers as they are and missing or unparsable numbers as NaN', () => {
    const features: FeatureSpec[] = ['a', 'b', 'c', 'd', 'e', 'f', 'toString'].map((name) => ({ name, kind: 'numeric', mean: 0, std: 1 }));
    expect(featureRow(features, { a: 2.5, b: null, c: '', d: 'x', e: ' 7 ' })).toEqual([2.5, NaN, NaN, NaN, 7, NaN, NaN]);
  });

  it('normalises booleans: JSON true/false, 1/0, true/false and yes/no in any case', () => {
    const flag: CategoryFeature = { name: 'flag', kind: 'category', categories: ['false', 'true'], encoding: 'index', values: 'boolean' };
    const read = (value: unknown) => featureRow([flag], { flag: value })[0];
    for (const value of [true, 'true', 'True', 'TRUE', 1, '1', 'yes', 'Yes']) expect(read(value)).toBe(1);
    for (const value of [false, 'false', 'False', 0, '0', 'no', 'NO']) expect(read(value)).toBe(0);
    for (const value of ['maybe', 2, {}]) expect(read(value)).toBe(-1);
    expect(booleanText(' yes ')).toBe('true');
    expect(booleanText('y')).toBeUndefined();
  });

  it('fills a missing category with impute, and -1 without it', () => {
    const features: FeatureSpec[] = [
      { name: 'colour', kind: 'category', categories: ['red', 'green', '(missing)'], encoding: 'onehot', impute: '(missing)' },
      { name: 'size', kind: 'category', categories: ['S', 'M'], encoding: 'index', impute: 'M' },
      { name: 'shape', kind: 'category', categories: ['round'], encoding: 'index' },
    ];
    expect(featureRow(features, { colour: null })).toEqual([2, 1, -1]);
    expect(featureRow(features, { colour: 'green', size: 'S', shape: 'round' })).toEqual([1, 0, 0]);
  });

  it('reports each unknown category value with the kind of value, never for missing or hashed ones', () => {
    const features: FeatureSpec[] = [
      { name: 'colour', kind: 'category', categories: ['red'], encoding: 'onehot', unknown: 'error' },
      { name: 'flag', kind: 'category', categories: ['false', 'true'], encoding: 'index', values: 'boolean' },
      { name: 'city', kind: 'category', categories: ['0', '1', '2', '3'], encoding: 'onehot', hashBuckets: 4 },
      { name: 'size', kind: 'category', categories: ['S'], encoding: 'index' },
    ];
    const seen: [string, ValueKind][] = [];
    const row = featureRow(features, { colour: 7, flag: 'maybe', city: 'Paris' }, { onUnknown: (feature, kind) => seen.push([feature.name, kind]) });
    expect(row[0]).toBe(-1);
    expect(row[1]).toBe(-1);
    expect(row[2]).toBeGreaterThanOrEqual(0);
    expect(row[3]).toBe(-1);
    expect(seen).toEqual([
      ['colour', 'number'],
      ['flag', 'string'],
    ]);
  });

  it('derives datetime parts (UTC) from the field named by derive.from, not from its own name', () => {
    const parts = ['days', 'dayOfWeek', 'month', 'hour', 'year', 'dayOfYear'] as const;
    const features: FeatureSpec[] = parts.map((part) => ({ name: `signup_${part}`, kind: 'numeric', mean: 0, std: 1, derive: { from: 'signup', part } }));
    const at = Date.UTC(2024, 2, 10, 15, 30);
    // 2024-03-10 is a Sunday (Monday 0), day 31 + 29 + 10 = 70 of a leap year.
    expect(featureRow(features, { signup: '2024-03-10T15:30:00Z', signup_days: 1 })).toEqual([at / DAY, 6, 3, 15, 2024, 70]);
    expect(featureRow(features, { signup: '2024-03-10 15:30' })).toEqual([at / DAY, 6, 3, 15, 2024, 70]);
    expect(featureRow(features, { signup: at })).toEqual([at / DAY, 6, 3, 15, 2024, 70]);
    // An offset moves the instant: 01:00 at +02:00 is 23:00 UTC the day before.
    expect(featureRow(features, { signup: '2024-01-01T01:00:00+02:00' })).toEqual([Date.UTC(2023, 11, 31, 23) / DAY, 6, 12, 23, 2023, 365]);
    // The epoch was a Thursday.
    expect(featureRow(features, { signup: '1970-01-01' })).toEqual([0, 3, 1, 0, 1970, 1]);
    for (const missing of [undefined, null, 'yesterday', '2023-02-29', '2024-13-01', '2024-01-01T25:00', true, {}]) {
      expect(featureRow(features, { signup: missing })).toEqual(parts.map(() => NaN));
    }
  });

  it('parses ISO 8601 dates and date-times, with or without a zone, and epoch milliseconds', () => {
    expect(parseDatetime('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDatetime('2024-02-29T12:00:00.250Z')).toBe(Date.UTC(2024, 1, 29, 12, 0, 0, 250));
    expect(parseDatetime('2024-02-29T12:00-0530')).toBe(Date.UTC(2024, 1, 29, 17, 30));
    expect(parseDatetime('0050-06-01')).toBe(new Date('0050-06-01T00:00:00Z').getTime());
    expect(datetimePart(parseDatetime('0050-06-01'), 'year')).toBe(50);
    expect(datetimePart(parseDatetime('2023-12-31T23:59:59Z'), 'dayOfYear')).toBe(365);
    expect(datetimePart(parseDatetime('2024-12-31'), 'dayOfYear')).toBe(366);
    expect(parseDatetime(1.7e12)).toBe(1.7e12);
    expect(parseDatetime(Infinity)).toBeNaN();
    expect(parseDatetime('2024-02-29T12:00:00+25:00')).toBeNaN();
    expect(parseDatetime('12/03/2024')).toBeNaN();
  });
});

describe('the new feature fields in the reference encoding and the checks', () => {
  it('fills NaN with impute before standardising, and adds the missing indicator after the column', () => {
    const features: FeatureSpec[] = [
      { name: 'age', kind: 'numeric', mean: 40, std: 10, impute: 35, missingIndicator: true },
      { name: 'colour', kind: 'category', categories: ['red', 'green'], encoding: 'onehot', impute: 'green' },
      { name: 'income', kind: 'numeric', mean: 10, std: 2 },
    ];
    expect(features.map(encodedWidth)).toEqual([2, 2, 1]);
    const raw = [NaN, NaN, 12, 50, 0, NaN];
    expect(Array.from(encodeFeatures(features, raw, 2))).toEqual([-0.5, 1, 0, 1, 1, 1, 0, 1, 0, NaN]);
  });

  it('refuses new fields that cannot be read', () => {
    const numeric = { name: 'x', kind: 'numeric' as const, mean: 0, std: 1 };
    const category = { name: 'c', kind: 'category' as const, categories: ['a', 'b'], encoding: 'index' as const };
    const bad: FeatureSpec[] = [
      { ...numeric, impute: Infinity },
      { ...numeric, missingIndicator: true },
      { ...numeric, derive: { from: 'when', part: 'week' as 'days' } },
      { ...numeric, derive: { from: '', part: 'days' } },
      { ...category, impute: 'z' },
      { ...category, values: 'boolean' },
      { ...category, unknown: 'ignore' as 'error' },
      { ...category, values: 'text' as 'boolean' },
    ];
    for (const feature of bad) {
      expect(encodingProblems(feature)).toHaveLength(1);
      expect(() => checkPreprocessing({ features: [feature] })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_CONFIG' }));
    }
    const good: FeatureSpec[] = [
      { ...numeric, impute: 0, missingIndicator: true, derive: { from: 'when', part: 'dayOfYear' } },
      { ...category, name: 'flag', categories: ['false', 'true'], impute: 'true', values: 'boolean', unknown: 'error' },
      { ...category, name: 'u', unknown: 'unknown' },
    ];
    expect(() => checkPreprocessing({ features: good })).not.toThrow();
  });
});
