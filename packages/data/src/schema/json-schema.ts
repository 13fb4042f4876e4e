import { PII_KINDS } from '@mlship/core';
import { COLUMN_TYPES } from './types.js';

/**
 * JSON Schema of the schema file. `packages/data/schemas/data-schema.schema.json` is generated from
 * it (a test keeps the two equal) so editors can complete schema.yaml files.
 */
export const dataSchemaJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://mlship.dev/schemas/data-schema.schema.json',
  title: 'mlship data schema',
  description: 'Column types and constraints that `mlship data validate` checks a dataset against.',
  type: 'object',
  required: ['version', 'columns'],
  additionalProperties: false,
  properties: {
    version: { const: 1, description: 'Schema format version.' },
    dataset: {
      type: 'object',
      additionalProperties: false,
      properties: {
        rows: {
          type: 'object',
          additionalProperties: false,
          description: 'Allowed row count range (inclusive).',
          properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 } },
        },
        maxDuplicateFraction: { type: 'number', minimum: 0, maximum: 1, description: 'Largest allowed share of duplicate rows.' },
        label: { type: 'string', description: 'The label column.' },
        minClassFraction: { type: 'number', minimum: 0, maximum: 1, description: 'Every label class must have at least this share of rows.' },
      },
    },
    columns: {
      type: 'object',
      description: 'Constraints per column, by column name.',
      additionalProperties: {
        type: 'object',
        required: ['type'],
        additionalProperties: false,
        properties: {
          type: { enum: [...COLUMN_TYPES], description: 'Value type.' },
          nullable: { type: 'boolean', description: 'false: no missing values allowed.' },
          maxNullFraction: { type: 'number', minimum: 0, maximum: 1, description: 'Largest allowed share of missing values.' },
          min: { type: ['number', 'string'], description: 'Inclusive lower bound (ISO 8601 text for datetime).' },
          max: { type: ['number', 'string'], description: 'Inclusive upper bound (ISO 8601 text for datetime).' },
          categories: { type: 'array', items: { type: ['string', 'number', 'boolean'] }, description: 'Allowed values.' },
          pattern: { type: 'string', description: 'Regular expression every value must match in full.' },
          unique: { type: 'boolean', description: 'Values must not repeat.' },
          minLength: { type: 'integer', minimum: 0, description: 'Shortest allowed text value (characters).' },
          maxLength: { type: 'integer', minimum: 0, description: 'Longest allowed text value (characters).' },
          pii: {
            type: 'array',
            items: { enum: [...PII_KINDS] },
            uniqueItems: true,
            description: 'Kinds of personal data the column holds. Training leaves the column out unless its spec opts in; its values are never written to any output.',
          },
        },
      },
    },
  },
} as const;
