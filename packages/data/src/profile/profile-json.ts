/**
 * Loading stored column profiles: a JSON Schema for the shape, then checks that the parts agree
 * (counts add up, sketches match the options), so a loaded profile merges and answers queries safely.
 * Derived fields are not checked: they are recomputed from the state.
 */
import { validateWithSchema } from '@mlship/core';
import { ColumnProfiler, optionProblems, type ColumnProfile } from './column-profile.js';
import { invalidProfile } from './profile-errors.js';

const count = { type: 'integer', minimum: 0 } as const;
const number = { type: 'number' } as const;
const numberOrNull = { type: ['number', 'null'] } as const;
const countPairs = {
  type: 'array',
  items: { type: 'array', minItems: 2, maxItems: 2, items: [{ type: ['string', 'number'] }, count] },
} as const;

/** JSON Schema (draft-07) of the state fields of a version-1 column profile; other fields are allowed. */
export const columnProfileSchema = {
  $id: 'https://mlship.dev/schemas/column-profile-v1.json',
  type: 'object',
  required: ['version', 'kind', 'options', 'count', 'nullCount', 'invalidCount', 'infiniteCount', 'values'],
  properties: {
    version: { const: 1 },
    kind: { enum: ['numeric', 'categorical'] },
    options: {
      type: 'object',
      required: ['kind', 'quantileK', 'exactLimit', 'heavyHitterCapacity', 'hllPrecision', 'topK', 'histogramBins'],
      properties: {
        kind: { enum: ['auto', 'numeric', 'categorical'] },
        quantileK: count,
        exactLimit: count,
        heavyHitterCapacity: count,
        hllPrecision: count,
        topK: count,
        histogramBins: count,
      },
    },
    count,
    nullCount: count,
    invalidCount: count,
    infiniteCount: count,
    values: {
      type: 'object',
      required: ['exact', 'n'],
      properties: { exact: { type: 'boolean' }, n: count },
      if: { properties: { exact: { const: true } } },
      then: { required: ['counts'], properties: { counts: countPairs } },
      else: {
        required: ['frequent', 'distinct'],
        properties: {
          frequent: {
            type: 'object',
            required: ['capacity', 'n', 'maxError', 'counts'],
            properties: { capacity: count, n: count, maxError: count, counts: countPairs },
          },
          distinct: {
            type: 'object',
            required: ['precision', 'registers'],
            properties: { precision: count, registers: { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' } },
          },
        },
      },
    },
    numeric: {
      type: 'object',
      required: ['moments', 'sketch'],
      properties: {
        moments: {
          type: 'object',
          required: ['count', 'sum', 'mean', 'm2', 'min', 'max'],
          properties: { count, sum: number, mean: number, m2: { type: 'number', minimum: 0 }, min: numberOrNull, max: numberOrNull },
        },
        sketch: {
          type: 'object',
          required: ['k', 'n', 'min', 'max', 'levels', 'rng'],
          properties: {
            k: count,
            n: count,
            min: numberOrNull,
            max: numberOrNull,
            levels: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'array', items: number } },
            rng: { type: 'integer', minimum: 0, maximum: 0xffffffff },
          },
        },
      },
    },
  },
} as const;

/**
 * Loads a finalised profile (for example `JSON.parse` of a stored one) into a profiler that can be
 * merged and queried. Throws `MLSHIP_E_PROFILE_INVALID` listing what is wrong.
 */
export function profileFromJSON(json: unknown): ColumnProfiler {
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof json === 'object' && json !== null && version !== 1) {
    throw invalidProfile([`unsupported version ${JSON.stringify(version)} (this mlship reads version 1)`]);
  }
  const { value, errors } = validateWithSchema<ColumnProfile>(columnProfileSchema, json);
  if (!value) throw invalidProfile(errors);
  const problems = consistencyProblems(value);
  if (problems.length > 0) throw invalidProfile(problems);
  try {
    return ColumnProfiler.fromState(value);
  } catch (error) {
    throw invalidProfile([(error as Error).message]);
  }
}

/** Contradictions between the parts of a well-shaped profile. */
function consistencyProblems(profile: ColumnProfile): string[] {
  const problems = optionProblems(profile.options).map(({ name, value, expected }) => `options.${name}: must be ${expected}, got ${JSON.stringify(value)}`);
  const { options, values, numeric } = profile;
  if ((profile.kind === 'numeric') !== (numeric !== undefined)) problems.push('numeric: must be present exactly when kind is numeric');
  if (options.kind !== 'auto' && options.kind !== profile.kind) problems.push(`kind: ${profile.kind} in a column declared ${options.kind}`);
  if (profile.invalidCount > 0 && options.kind !== 'numeric') problems.push('invalidCount: only a column declared numeric has invalid values');
  if (values.n !== profile.count - profile.nullCount - profile.invalidCount - profile.infiniteCount) {
    problems.push('values.n: must equal count − nullCount − invalidCount − infiniteCount');
  }
  const keys = values.exact ? values.counts : values.frequent.counts;
  if (!keys.every(([key]) => typeof key === 'string' || Number.isFinite(key))) problems.push('values: numbers must be finite');
  if (values.exact) {
    if (sumOf(values.counts) !== values.n) problems.push('values.counts: must add up to values.n');
    if (new Set(values.counts.map(([key]) => key)).size !== values.counts.length) problems.push('values.counts: repeated value');
    if (values.counts.length > options.exactLimit) problems.push('values.counts: more distinct values than options.exactLimit');
  } else {
    if (values.frequent.n !== values.n) problems.push('values.frequent.n: must equal values.n');
    if (values.frequent.capacity !== options.heavyHitterCapacity) problems.push('values.frequent.capacity: must equal options.heavyHitterCapacity');
    if (sumOf(values.frequent.counts) > values.n) problems.push('values.frequent.counts: add up to more than values.n');
    if (values.distinct.precision !== options.hllPrecision) problems.push('values.distinct.precision: must equal options.hllPrecision');
  }
  if (numeric) {
    const { moments, sketch } = numeric;
    if (sketch.k !== options.quantileK) problems.push('numeric.sketch.k: must equal options.quantileK');
    if (sketch.n !== moments.count) problems.push('numeric.sketch.n: must equal numeric.moments.count');
    if (sketch.levels.reduce((sum, level, h) => sum + level.length * 2 ** h, 0) !== sketch.n) problems.push('numeric.sketch.levels: weights must add up to n');
    if (moments.count > values.n) problems.push('numeric: more numbers than values.n');
    if (!sketch.levels.every((level) => level.every(Number.isFinite))) problems.push('numeric.sketch.levels: must hold finite numbers');
    if (![moments.sum, moments.mean, moments.m2].every(Number.isFinite)) problems.push('numeric.moments: must hold finite numbers');
    const ranges = [
      ['moments', moments.count, moments.min, moments.max],
      ['sketch', sketch.n, sketch.min, sketch.max],
    ] as const;
    for (const [name, n, min, max] of ranges) {
      if ((n === 0) !== (min === null) || (n === 0) !== (max === null)) problems.push(`numeric.${name}: min and max must be null exactly when empty`);
      else if (min !== null && max !== null && !(min <= max)) problems.push(`numeric.${name}: min must not exceed max`);
    }
  }
  return problems;
}

function sumOf(pairs: ReadonlyArray<readonly [unknown, number]>): number {
  return pairs.reduce((sum, [, count]) => sum + count, 0);
}
