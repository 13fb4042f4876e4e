/** JSON data ↔ typed arrays: flat or nested request data into a model input, output rows into JSON text. */
import { allocate, elementWriter, fromHalf, WriteResult, type TensorData, type TensorType, type V2Datatype } from './datatypes.js';
import { badRequest, describeValue as show, MAX_RANK } from './errors.js';

/**
 * Converts `data` (flat in row-major order, or nested to match `shape` exactly) declared as
 * `datatype` into a new array of the model input's `type`. `what` names the input in messages.
 * `missing`, for a float32 input, marks the columns (of the last dimension) where a JSON null is a
 * missing value: NaN, which the model fills.
 */
export function readTensorData(what: string, datatype: V2Datatype, type: TensorType, shape: readonly number[], data: unknown, maxElements: number, missing?: readonly boolean[]): TensorData {
  if (!Array.isArray(data)) throw badRequest(`${what}: data must be an array`);
  // The nested walk below recurses once per dimension.
  if (shape.length > MAX_RANK) throw badRequest(`${what}: shape has rank ${shape.length}; at most ${MAX_RANK} is supported`);
  let size = 1;
  for (const dim of shape) size *= dim;
  if (size > maxElements) throw badRequest(`${what}: shape [${shape.join(',')}] holds ${size} elements, more than a request body can carry`);
  const flat = data.length === 0 || !Array.isArray(data[0]);
  if (flat && data.length !== size) {
    throw badRequest(`${what}: data has ${data.length} values, shape [${shape.join(',')}] needs ${size}`);
  }
  const out = allocate(type, size);
  if (flat && type === 'float32' && (datatype === 'FP32' || datatype === 'FP64')) {
    // The common case, without a call per element.
    const floats = out as Float32Array;
    for (let i = 0; i < size; i++) {
      const value = data[i];
      const rounded = typeof value === 'number' ? Math.fround(value) : NaN;
      if (rounded - rounded !== 0) {
        if (value === null && missing?.[i % missing.length]) {
          floats[i] = NaN;
          continue;
        }
        throw badRequest(`${what}: element ${i} (${show(value)}) is not a finite ${datatype} value within the float32 range`);
      }
      floats[i] = rounded;
    }
    return out;
  }
  const write = elementWriter(datatype, type);
  if (!write) throw badRequest(`${what}: ${datatype} data cannot go into the model's ${type} input`);
  const check = (index: number, value: unknown) => {
    if (value === null && type === 'float32' && missing?.[index % missing.length]) {
      (out as Float32Array)[index] = NaN;
      return;
    }
    const result = write(out, index, value);
    if (result === WriteResult.invalid) throw badRequest(`${what}: element ${index} (${show(value)}) is not a valid ${datatype} value`);
    if (result === WriteResult.inexact) throw badRequest(`${what}: element ${index} (${show(value)}) does not fit the model's ${type} input exactly`);
  };
  if (flat) {
    for (let i = 0; i < size; i++) check(i, data[i]);
    return out;
  }
  let cursor = 0;
  const walk = (value: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(value)) throw badRequest(`${what}: data${path} nests deeper than shape [${shape.join(',')}]`);
      check(cursor++, value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[depth]) {
      throw badRequest(`${what}: data${path} must be a list of ${shape[depth]} to match shape [${shape.join(',')}]`);
    }
    for (let i = 0; i < value.length; i++) walk(value[i], depth + 1, `${path}[${i}]`);
  };
  walk(data, 0, '');
  return out;
}

/** The size of each dimension of nested `value`, following first elements. */
export function nestedShape(value: unknown): number[] {
  const shape: number[] = [];
  let current = value;
  while (Array.isArray(current)) {
    shape.push(current.length);
    current = current[0];
  }
  return shape;
}

/** Elements [start, end) of ORT output data as comma-separated JSON values. */
export function valuesText(type: string, data: unknown, start: number, end: number): string {
  let text = '';
  switch (type) {
    case 'float32':
    case 'float64': {
      const values = data as Float32Array;
      for (let i = start; i < end; i++) {
        const value = values[i]!;
        if (i > start) text += ',';
        text += value - value === 0 ? value : 'null';
      }
      return text;
    }
    case 'float16': {
      const values = data as Uint16Array;
      for (let i = start; i < end; i++) {
        const value = fromHalf(values[i]!);
        if (i > start) text += ',';
        text += value - value === 0 ? value : 'null';
      }
      return text;
    }
    case 'bool': {
      const values = data as Uint8Array;
      for (let i = start; i < end; i++) text += (i > start ? ',' : '') + (values[i] ? 'true' : 'false');
      return text;
    }
    case 'string': {
      const values = data as string[];
      for (let i = start; i < end; i++) text += (i > start ? ',' : '') + JSON.stringify(values[i]);
      return text;
    }
    default: {
      const values = data as Int32Array;
      for (let i = start; i < end; i++) text += (i > start ? ',' : '') + String(values[i]);
      return text;
    }
  }
}

/** Element `index` of ORT output data as a JavaScript value (numbers, booleans, strings; int64 as numbers). */
export function valueAt(type: string, data: unknown, index: number): number | boolean | string | null {
  const value = (data as ArrayLike<unknown>)[index];
  if (type === 'float16') return fromHalf(value as number);
  if (type === 'bool') return Boolean(value);
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value as number | string;
}
