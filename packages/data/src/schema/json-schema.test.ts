import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateWithSchema } from '@mlship/core';
import { dataSchemaJsonSchema } from './json-schema.js';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas', 'data-schema.schema.json');

describe('the schema file format', () => {
  it('is committed as packages/data/schemas/data-schema.schema.json for editors (regenerate from json-schema.ts)', async () => {
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(dataSchemaJsonSchema);
  });

  it('accepts a complete schema and rejects unknown keys and types', () => {
    const good = {
      version: 1,
      dataset: { rows: { min: 1, max: 10 }, maxDuplicateFraction: 0.1, label: 'y', minClassFraction: 0.1 },
      columns: { y: { type: 'category', categories: ['a', 'b'] }, x: { type: 'number', min: 0, max: 1, maxNullFraction: 0.5 } },
    };
    expect(validateWithSchema(dataSchemaJsonSchema, good).errors).toEqual([]);
    expect(validateWithSchema(dataSchemaJsonSchema, { ...good, extra: 1 }).errors).toEqual(['(root): unknown property "extra"']);
    expect(validateWithSchema(dataSchemaJsonSchema, { version: 1, columns: { x: { type: 'decimal' } } }).errors[0]).toMatch(/columns\/x\/type/);
  });
});
