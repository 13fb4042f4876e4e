import { DATETIME_PARTS } from '@mlship/onnx';
import { ACTIVATIONS, CATEGORY_IMPUTE, CLASSIFICATION_LOSSES, LAYER_TYPES, NUMERIC_IMPUTE, OPTIMIZERS, REGRESSION_LOSSES } from './train-spec.js';

/**
 * JSON Schema of the train spec. `packages/train/schemas/train-spec.schema.json` is this object
 * (a test keeps the two equal) so editors can complete train.yaml files. Rules across fields
 * (a loss that fits the task, a monitor that exists) are checked in check-train-spec.ts.
 */

const positiveInteger = { type: 'integer', minimum: 1 } as const;
const size2 = {
  description: 'One number for both axes, or [height, width].',
  anyOf: [positiveInteger, { type: 'array', items: positiveInteger, minItems: 2, maxItems: 2 }],
} as const;
const padding = { enum: ['valid', 'same'], description: 'Default valid.' } as const;
const scaling = { enum: ['standardize', 'none'] } as const;
const activation = { $ref: '#/definitions/activation' } as const;
const unknownPolicy = { enum: ['unknown', 'error'] } as const;
const datetimeParts = {
  type: 'array',
  items: { enum: [...DATETIME_PARTS] },
  minItems: 1,
  uniqueItems: true,
  description: 'Numeric features made from the datetime (UTC): days since 1970-01-01, dayOfWeek (Monday 0), month, hour, year, dayOfYear.',
} as const;

function layer(type: string, description: string, properties: Record<string, unknown>, required: string[] = []) {
  return {
    type: 'object',
    description,
    required: ['type', ...required],
    additionalProperties: false,
    properties: { type: { const: type }, ...properties },
  };
}

const layers = {
  Dense: layer('Dense', 'A fully connected layer.', { units: positiveInteger, activation, useBias: { type: 'boolean' } }, ['units']),
  Conv2D: layer(
    'Conv2D',
    'A 2D convolution over [height, width, channels].',
    { filters: positiveInteger, kernelSize: size2, strides: size2, padding, activation, useBias: { type: 'boolean' } },
    ['filters', 'kernelSize'],
  ),
  MaxPooling2D: layer('MaxPooling2D', 'Max pooling (default pool 2).', { poolSize: size2, strides: size2, padding }),
  AveragePooling2D: layer('AveragePooling2D', 'Average pooling (default pool 2).', { poolSize: size2, strides: size2, padding }),
  Flatten: layer('Flatten', 'Flattens all but the batch axis.', {}),
  Dropout: layer('Dropout', 'Drops a share of the inputs while training.', { rate: { type: 'number', minimum: 0, exclusiveMaximum: 1 } }, ['rate']),
  BatchNormalization: layer('BatchNormalization', 'Normalises over the batch (moving statistics at inference).', {
    momentum: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    epsilon: { type: 'number', exclusiveMinimum: 0 },
  }),
  Reshape: layer('Reshape', 'Reshapes all but the batch axis.', { targetShape: { type: 'array', items: positiveInteger, minItems: 1 } }, ['targetShape']),
  Activation: layer('Activation', 'An activation on its own.', { activation }, ['activation']),
  LeakyReLU: layer('LeakyReLU', 'max(x, alpha·x) (default alpha 0.3).', { alpha: { type: 'number', minimum: 0 } }),
};

export const trainSpecJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://mlship.dev/schemas/train-spec.schema.json',
  title: 'mlship train spec',
  description: 'What `mlship train` trains: task, columns, preprocessing, model, optimiser and training loop.',
  type: 'object',
  additionalProperties: false,
  definitions: {
    activation: { enum: [...ACTIVATIONS], description: 'Activation function.' },
    layer: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: [...LAYER_TYPES], description: 'Keras layer class name.' } },
      allOf: LAYER_TYPES.map((type) => ({
        if: { properties: { type: { const: type } } },
        then: { $ref: `#/definitions/${type}` },
      })),
    },
    ...layers,
  },
  properties: {
    version: { const: 1, description: 'Spec format version.' },
    task: { enum: ['classification', 'regression'], description: 'Default: inferred from the label column (see packages/train/README.md).' },
    label: { type: 'string', minLength: 1, description: 'The label column (or `--label`).' },
    features: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      uniqueItems: true,
      description: 'Feature columns in order. Default: every column but the label and `exclude`.',
    },
    exclude: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, description: 'Columns left out when `features` is not given.' },
    preprocessing: {
      type: 'object',
      additionalProperties: false,
      description: 'Fitted on the training split only and folded into the exported ONNX model.',
      properties: {
        numeric: { ...scaling, description: 'Numeric columns: standardize (training mean and std; default) or none.' },
        categories: { enum: ['onehot', 'index'], description: 'Category columns: onehot (default) or index.' },
        columns: {
          type: 'object',
          description: 'Per-column overrides, by column name.',
          additionalProperties: {
            type: 'object',
            required: ['type'],
            additionalProperties: false,
            properties: {
              type: {
                enum: ['numeric', 'category', 'boolean', 'datetime'],
                description: 'boolean: a category of exactly false/true (true/false, yes/no, 1/0 read alike); datetime: numeric parts of the date (`parts`).',
              },
              scaling: { ...scaling, description: 'numeric and datetime only.' },
              encoding: { enum: ['onehot', 'index'], description: 'category and boolean only.' },
              impute: {
                enum: [...new Set([...NUMERIC_IMPUTE, ...CATEGORY_IMPUTE])],
                description:
                  'What a missing value becomes. numeric, datetime: median (default), mean, zero or none (rows missing it are left out). category: auto (default), mostFrequent, missing (a "(missing)" category) or none (unknown). boolean: mostFrequent (default) or none.',
              },
              indicator: { type: 'boolean', description: 'numeric and datetime only: also a 0/1 "was missing" feature.' },
              unknown: { ...unknownPolicy, description: 'category and boolean only: a value not seen in training, when served (default: preprocessing.unknown).' },
              parts: { ...datetimeParts, description: `datetime only. ${datetimeParts.description}` },
              categories: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true, description: 'category only: a fixed list (others count as unknown).' },
              hashBuckets: {
                type: 'integer',
                minimum: 2,
                maximum: 4096,
                description:
                  'category only: hash each value into this many buckets instead of listing the values (no value is stored). Required to use a column holding personal data as a feature.',
              },
            },
          },
        },
        image: {
          type: 'object',
          required: ['height', 'width', 'channels'],
          additionalProperties: false,
          description: 'The features are the pixels of one image, height × width × channels in row-major order.',
          properties: {
            height: positiveInteger,
            width: positiveInteger,
            channels: positiveInteger,
            scaling: { ...scaling, description: 'standardize (per-channel training mean and std; default) or none.' },
          },
        },
        label: { ...scaling, description: 'Regression: train on the standardised label and fold the scaling into the output layer (default standardize).' },
        missing: {
          type: 'object',
          additionalProperties: false,
          description: 'How missing values are filled, fitted on the training part only and folded into the ONNX model; per column in columns.',
          properties: {
            numeric: { enum: [...NUMERIC_IMPUTE], description: 'median (default), mean, zero, or none (rows missing the value are left out; serving refuses a missing value).' },
            categories: {
              enum: [...CATEGORY_IMPUTE],
              description: 'auto (default: a "(missing)" category when the training part has missing values, else the most frequent value), mostFrequent, missing, or none (unknown).',
            },
            indicator: { type: 'boolean', description: 'Numeric features: also a 0/1 "was missing" feature (default false).' },
          },
        },
        unknown: { ...unknownPolicy, description: 'A category value not seen in training, when served: unknown (encoded as unknown and counted; default) or error (refused).' },
        datetime: {
          type: 'object',
          additionalProperties: false,
          description: 'Datetime columns (typed datetime by the data schema, or every value ISO 8601) become numeric parts, never categories.',
          properties: { parts: { ...datetimeParts, description: `Default [days, dayOfWeek, month]. ${datetimeParts.description}` } },
        },
      },
    },
    model: {
      type: 'object',
      additionalProperties: false,
      description: 'An MLP (`mlp: [64, 32]`) or a list of hidden layers (`layers`), one of the two; mlship adds the input and output layers.',
      properties: {
        mlp: { type: 'array', items: positiveInteger, description: 'Units of each hidden Dense layer.' },
        activation: { ...activation, description: 'mlp: activation of the hidden layers (default relu).' },
        dropout: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'mlp: Dropout after each hidden layer (default 0).' },
        batchNormalization: { type: 'boolean', description: 'mlp: BatchNormalization after each hidden layer.' },
        layers: { type: 'array', items: { $ref: '#/definitions/layer' }, description: 'Hidden layers in order (instead of mlp).' },
      },
    },
    optimizer: {
      description: 'adam (default), sgd or rmsprop, by name or with options.',
      anyOf: [
        { enum: [...OPTIMIZERS] },
        {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { enum: [...OPTIMIZERS] },
            learningRate: { type: 'number', exclusiveMinimum: 0, description: 'Default 0.001 (adam, rmsprop), 0.01 (sgd).' },
            momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'sgd and rmsprop.' },
          },
        },
      ],
    },
    loss: { enum: [...CLASSIFICATION_LOSSES, ...REGRESSION_LOSSES], description: 'Default categoricalCrossentropy or meanSquaredError.' },
    epochs: { ...positiveInteger, description: 'Default 50.' },
    batchSize: { ...positiveInteger, description: 'Default 32.' },
    validation: {
      type: 'object',
      additionalProperties: false,
      description:
        'Three disjoint parts: training, validation (early stopping, model selection) and test (every reported metric, the gates, the model card). Seeded shares of the labelled rows (stratified for classification), or separate tables.',
      properties: {
        split: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'Share of the rows for validation (default 0.2; 0: none).' },
        test: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'Share of the rows for the test part (default 0.2; 0: none, metrics then come from the validation rows).' },
        stratify: { type: 'boolean', description: 'Classification: keep class shares in every part (default true).' },
        seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'Default: the spec seed.' },
        data: { type: 'string', minLength: 1, description: 'A validation table instead of the validation share (relative to the spec file).' },
        testData: { type: 'string', minLength: 1, description: 'A test table instead of the test share (relative to the spec file).' },
      },
    },
    crossValidation: {
      description: 'k-fold cross-validation figures beside the test figures (k more trainings): true (always), false (never), or settings. Default: 5 folds when the data has under 500 labelled rows.',
      anyOf: [
        { type: 'boolean' },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            folds: { type: 'integer', minimum: 2, maximum: 20, description: 'Default 5.' },
            rowsBelow: { type: 'integer', minimum: 1, description: 'Only when the data has fewer labelled rows than this (default 500).' },
          },
        },
      ],
    },
    guards: {
      type: 'object',
      additionalProperties: false,
      description: 'Classification labels refused because they cannot make a useful classifier.',
      properties: {
        minClassRows: { type: 'integer', minimum: 0, description: 'Every class needs at least this many labelled rows (default 3; 0: no check).' },
        maxClassShare: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'Classes may number at most this share of the labelled rows (default 0.5; 1: no check).' },
      },
    },
    earlyStopping: {
      description: 'Stop when the monitored value stops improving, or false.',
      anyOf: [
        { const: false },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            monitor: { type: 'string', pattern: '^(val_)?(loss|accuracy|mae)$', description: 'Default val_loss (loss without validation).' },
            patience: { type: 'integer', minimum: 0, description: 'Default 10.' },
            minDelta: { type: 'number', minimum: 0, description: 'Default 0.' },
            restoreBestWeights: { type: 'boolean', description: 'Default true.' },
          },
        },
      ],
    },
    classWeights: {
      description: 'Classification: balanced, or a weight per class name.',
      anyOf: [{ const: 'balanced' }, { type: 'object', additionalProperties: { type: 'number', minimum: 0 } }],
    },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'Seeds initialisation, shuffling, dropout and the split (default 42).' },
    backend: { type: 'string', minLength: 1, description: 'auto (default), tensorflow, wasm or cpu.' },
    gates: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Gates the trained model must meet, METRIC OP NUMBER (e.g. accuracy>=0.95); added to the --gate flags.',
    },
  },
} as const;
