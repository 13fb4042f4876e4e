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
        },
      },
    },
  },
} as const;
