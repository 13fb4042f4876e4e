import type { RawCell } from '../schema/values.js';
import { inferSchema } from '../schema/infer.js';
import { parseSchema, renderSchema } from '../schema/schema-file.js';
import type { DataSchema } from '../schema/types.js';
import { renderJunit } from './junit.js';
import { detectPii, ibanValid, luhnValid } from './pii.js';
import { rowHashes, validateBatches, type Batch } from './validate.js';

/** Rows in batches of `size`, with line numbers as a CSV with a header would have them. */
async function* batchesOf(columns: string[], rows: RawCell[][], size = 3): AsyncGenerator<Batch> {
  for (let start = 0; start < rows.length; start += size) {
    const slice = rows.slice(start, start + size);
    yield { columns, rows: slice, lines: slice.map((_, i) => start + i + 2) };
  }
}

const columns = ['id', 'age', 'score', 'city', 'joined', 'active'];
const clean: RawCell[][] = Array.from({ length: 12 }, (_, i) => [
  String(i + 1),
  String(20 + i),
  (i * 1.5).toFixed(1),
  ['paris', 'lyon', 'nice'][i % 3]!,
  `2024-01-${String(i + 1).padStart(2, '0')}`,
  i % 2 === 0 ? 'true' : 'false',
]);

describe('schema inference', () => {
  it('infers types, bounds, categories, uniqueness and dataset facts', async () => {
    const { schema, rows } = await inferSchema(batchesOf(columns, clean), { label: 'city' });
    expect(rows).toBe(12);
    expect(schema.columns).toEqual({
      id: { type: 'integer', nullable: false, min: 1, max: 12, unique: true },
      age: { type: 'integer', nullable: false, min: 20, max: 31, unique: true },
      score: { type: 'number', nullable: false, min: 0, max: 16.5 },
      city: { type: 'category', nullable: false, categories: ['lyon', 'nice', 'paris'] },
      joined: { type: 'datetime', nullable: false, min: '2024-01-01', max: '2024-01-12' },
      active: { type: 'boolean', nullable: false },
    });
    expect(schema.dataset).toEqual({ rows: { min: 6, max: 24 }, maxDuplicateFraction: 0, label: 'city', minClassFraction: 0.3333 });
  });

  it('writes YAML that parses back to the same schema, and validates the data it came from', async () => {
    const { schema } = await inferSchema(batchesOf(columns, clean), { label: 'city' });
    const text = renderSchema(schema);
    expect(text).toMatch(/^# yaml-language-server: \$schema=/);
    expect(parseSchema(text, 'schema.yaml')).toEqual(schema);
    const report = await validateBatches(batchesOf(columns, clean), schema);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('refuses a schema file that is not valid, with a coded error', () => {
    expect(() => parseSchema('version: 1\ncolumns:\n  a: {type: decimal}\n', 's.yaml')).toThrow(/MLSHIP_E_SCHEMA_INVALID|not valid/);
    expect(() => parseSchema('version: 1\ncolumns: [', 's.yaml')).toThrow(/YAML does not parse/);
    try {
      parseSchema('columns: {}', 's.yaml');
    } catch (error) {
      expect(error).toMatchObject({ code: 'MLSHIP_E_SCHEMA_INVALID', exitCode: 2 });
    }
  });
});

describe('validation', () => {
  const schema: DataSchema = {
    version: 1,
    dataset: { rows: { min: 1, max: 100 }, maxDuplicateFraction: 0, label: 'city', minClassFraction: 0.25 },
    columns: {
      id: { type: 'integer', nullable: false, unique: true },
      age: { type: 'integer', min: 0, max: 120, maxNullFraction: 0.1 },
      score: { type: 'number' },
      city: { type: 'category', categories: ['paris', 'lyon', 'nice'] },
      joined: { type: 'datetime', min: '2024-01-01', max: '2024-12-31' },
      active: { type: 'boolean' },
      code: { type: 'string', pattern: '[A-Z]{2}\\d{3}' },
    },
  };
  const faulty: RawCell[][] = [
    ['1', '30', '1.5', 'paris', '2024-02-01', 'true', 'AB123'],
    ['2', 'abc', '2.5', 'lyon', '2024-02-02', 'false', 'AB124'],
    ['2', '150', 'x', 'rome', '2023-05-05', 'maybe', 'ab1'],
    ['', '', '3.5', 'nice', 'not a date', 'true', 'CD999'],
    ['1', '30', '1.5', 'paris', '2024-02-01', 'true', 'AB123'],
  ];
  const cols = ['id', 'age', 'score', 'city', 'joined', 'active', 'code'];

  it('gives the same report when duplicate detection spills its row hashes to disk', async () => {
    const inMemory = await validateBatches(batchesOf(cols, faulty, 2), schema);
    const spilled = await validateBatches(batchesOf(cols, faulty, 2), schema, { duplicates: { memoryRows: 1, runRows: 2 } });
    expect(spilled).toEqual(inMemory);
    expect(spilled.checks.find((c) => c.check === 'duplicate_rows')).toMatchObject({ status: 'fail', count: 1 });
  });

  it('counts each violation with the first offending line numbers', async () => {
    const report = await validateBatches(batchesOf(cols, faulty, 2), schema);
    const failed = Object.fromEntries(report.checks.filter((c) => c.status === 'fail').map((c) => [`${c.check}:${c.column ?? ''}`, [c.count, c.lines]]));
    expect(failed).toEqual({
      'nulls:id': [1, [5]],
      'unique:id': [2, [4, 6]],
      'type:age': [1, [3]],
      'range:age': [1, [4]],
      'nulls:age': [1, [5]],
      'type:score': [1, [4]],
      'category:city': [1, [4]],
      'type:joined': [1, [5]],
      'range:joined': [1, [4]],
      'type:active': [1, [4]],
      'pattern:code': [1, [4]],
      'duplicate_rows:': [1, [6]],
      'class_balance:city': [1, []],
    });
    expect(report.ok).toBe(false);
    expect(report.rows).toBe(5);
  });

  it('reports missing and unexpected columns, row-count limits and leakage', async () => {
    const other = await rowHashes(batchesOf(cols, [faulty[0]!]));
    const report = await validateBatches(batchesOf(['id', 'extra'], [['1', 'x']]), { version: 1, dataset: { rows: { min: 2 } }, columns: { id: { type: 'integer' }, gone: { type: 'string' } } }, {});
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => [c.check, c.column, c.severity])).toEqual([
      ['column_present', 'gone', 'error'],
      ['column_expected', 'extra', 'warning'],
      ['row_count', null, 'error'],
    ]);
    const leak = await validateBatches(batchesOf(cols, faulty), schema, { against: other });
    expect(leak.checks.find((c) => c.check === 'leakage')).toMatchObject({ status: 'fail', count: 2, lines: [2, 6] });
  });

  it('warns about personal data by column and count, never echoing values', async () => {
    const rows: RawCell[][] = [
      ['ann@example.com', '4111 1111 1111 1111', 'DE89 3704 0044 0532 0130 00', '192.168.1.20', '+44 20 7946 0958', '078-05-1120'],
      ['bob@example.org', '4111111111111112', 'hello world', '2001:db8::1', '12345', 'note'],
    ];
    const report = await validateBatches(batchesOf(['mail', 'card', 'iban', 'ip', 'phone', 'ssn'], rows), { version: 1, columns: {} }, {});
    const pii = report.checks.filter((c) => c.check.startsWith('pii_')).map((c) => [c.check, c.column, c.count, c.severity]);
    expect(pii).toEqual([
      ['pii_email', 'mail', 2, 'warning'],
      ['pii_card_number', 'card', 1, 'warning'],
      ['pii_iban', 'iban', 1, 'warning'],
      ['pii_ip_address', 'ip', 2, 'warning'],
      ['pii_phone', 'phone', 1, 'warning'],
      ['pii_national_id', 'ssn', 1, 'warning'],
    ]);
    expect(JSON.stringify(report)).not.toMatch(/ann@example|4111|DE89|192\.168|7946|078-05/);
    expect(report.ok).toBe(true); // warnings only
  });

  it('checks Luhn and IBAN digits and ignores ordinary values', () => {
    expect([luhnValid('4111111111111111'), luhnValid('4111111111111112')]).toEqual([true, false]);
    expect([ibanValid('GB82WEST12345698765432'), ibanValid('GB82WEST12345698765433')]).toEqual([true, false]);
    for (const value of ['5.1', 'setosa', '2024-01-02', '2024-01-02 10:00:00', '123456', 'hello there']) expect(detectPii(value)).toBeUndefined();
  });

  it('renders JUnit XML with one test case per check', async () => {
    const report = await validateBatches(batchesOf(cols, faulty, 2), schema);
    const xml = renderJunit(report, 'data.csv');
    expect(xml.match(/<testcase /g)).toHaveLength(report.checks.length);
    expect(xml.match(/<failure /g)).toHaveLength(report.errors);
    expect(xml).toContain('name="range[age]"');
    expect(xml).toContain('first lines: 4');
  });
});

describe('columns named like Object.prototype members', () => {
  const names = ['__proto__', 'toString', 'hasOwnProperty', 'constructor'];
  const rows: RawCell[][] = Array.from({ length: 6 }, (_, i) => [String(i), `t${i % 2}`, String(i * 2), 'x']);

  it('are inferred, written and read back like any column', async () => {
    const { schema } = await inferSchema(batchesOf(names, rows));
    expect(Object.keys(schema.columns)).toEqual(names);
    expect(Object.getPrototypeOf(schema.columns)).toBeNull();
    const parsed = parseSchema(renderSchema(schema), 'schema.yaml');
    expect(Object.keys(parsed.columns)).toEqual(names);
    expect(Object.hasOwn(parsed.columns, '__proto__')).toBe(true);
  });

  it('are checked against the schema, and reported when the schema lacks them', async () => {
    const schema = parseSchema('version: 1\ncolumns:\n  __proto__: {type: integer, max: 2}\n', 'schema.yaml');
    const report = await validateBatches(batchesOf(names, rows), schema);
    expect(report.checks.find((c) => c.check === 'range' && c.column === '__proto__')).toMatchObject({ status: 'fail', count: 3 });
    const unexpected = report.checks.filter((c) => c.check === 'column_expected').map((c) => c.column);
    expect(unexpected).toEqual(['toString', 'hasOwnProperty', 'constructor']);
  });
});

describe('text columns in inferred schemas', () => {
  it('become categories only with few values each seen at least 3 times; otherwise strings with length bounds', async () => {
    const rows: RawCell[][] = Array.from({ length: 30 }, (_, i) => [['a', 'b', 'c'][i % 3]!, `note number ${i}`, i < 28 ? ['x', 'y'][i % 2]! : 'rare']);
    const { schema } = await inferSchema(batchesOf(['common', 'free', 'tail'], rows));
    expect(schema.columns.common).toEqual({ type: 'category', nullable: false, categories: ['a', 'b', 'c'] });
    expect(schema.columns.free).toEqual({ type: 'string', nullable: false, minLength: 13, maxLength: 14, unique: true });
    expect(schema.columns.tail).toEqual({ type: 'string', nullable: false, minLength: 1, maxLength: 4 });
    const report = await validateBatches(batchesOf(['common', 'free', 'tail'], [['a', 'a much longer note than any seen', 'x']]), schema);
    expect(report.checks.find((c) => c.check === 'length' && c.column === 'free')).toMatchObject({ status: 'fail', count: 1 });
  });

  it('mark a column holding personal data pii, with counts, and write none of its values as categories or bounds', async () => {
    const rows: RawCell[][] = Array.from({ length: 21 }, (_, i) => [i % 7 === 0 ? `mail jane${i}@example.org` : ['hi', 'ok', 'no'][i % 3]!, String(4012888888881881), 'a']);
    const inferred = await inferSchema(batchesOf(['notes', 'card', 'ok'], rows));
    expect(inferred.schema.columns.notes).toEqual({ type: 'string', nullable: false, minLength: 2, maxLength: 23, pii: ['email'] });
    expect(inferred.schema.columns.card).toEqual({ type: 'integer', nullable: false, pii: ['card_number'] });
    expect({ ...inferred.pii }).toEqual({ notes: { email: 3 }, card: { card_number: 21 } });
    expect(renderSchema(inferred.schema)).not.toMatch(/example\.org|4012888888881881/);
  });
});

describe('schemas that serve other splits', () => {
  const rows: RawCell[][] = Array.from({ length: 40 }, (_, i) => [String(10 + i), (i / 4).toFixed(2), `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`, ['a', 'b'][i % 2]!, String(100 + i * 2.5)]);
  const names = ['id', 'x', 'day', 'cls', 'price'];

  it('records no class balance for a numeric label, and one for a category label', async () => {
    const numeric = await inferSchema(batchesOf(names, rows), { label: 'price' });
    expect(numeric.schema.dataset).not.toHaveProperty('minClassFraction');
    const category = await inferSchema(batchesOf(names, rows), { label: 'cls' });
    expect(category.schema.dataset?.minClassFraction).toBe(0.5);
  });

  it('widens bounds by --margin and leaves the row count out with rowCount false, so a split of other rows validates', async () => {
    const { schema } = await inferSchema(batchesOf(names, rows.slice(0, 30)), { label: 'cls', margin: 0.5, rowCount: false });
    expect(schema.columns.id).toMatchObject({ min: -5, max: 54 });
    expect(schema.columns.x).toMatchObject({ min: -3.625, max: 10.875 });
    expect(schema.columns.day).toMatchObject({ min: '2023-12-18', max: '2024-02-10' });
    expect(schema.dataset).not.toHaveProperty('rows');
    expect(schema.dataset?.minClassFraction).toBe(0.25);
    // The other ten rows, alone: no row-count failure, no range failure.
    const report = await validateBatches(batchesOf(names, rows.slice(30)), schema);
    expect(report.checks.filter((check) => check.status === 'fail')).toEqual([]);
    const strict = await inferSchema(batchesOf(names, rows.slice(0, 30)), { label: 'cls' });
    const failing = await validateBatches(batchesOf(names, rows.slice(30)), strict.schema);
    expect(failing.checks.filter((check) => check.status === 'fail').map((check) => check.check).sort()).toEqual(['range', 'range', 'range', 'row_count']);
  });
});
