/**
 * Element types: ONNX Runtime's tensor types, the V2 (Open Inference Protocol) datatypes, and the
 * conversion of JSON values into a model input's typed array.
 *
 * Conversion rule (docs/serve.md): a value is checked against the datatype the request declares,
 * then written into the model input's type only when that is exact-safe. Integers go into any
 * numeric input when the value is exactly representable there (INT32 data into a float32 input is
 * fine up to 2^24, and any integer a float32 holds exactly); floats go into an integer input only
 * when they are whole numbers in range; floats go into float16/float32 inputs rounded to nearest
 * (JSON numbers are decimal, so FP32 data is rounded too), but a value outside the input's range is
 * refused. BOOL goes only into bool inputs, BYTES (strings) only into string inputs.
 */

export type TensorType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string';

export type V2Datatype = 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

export type TensorData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

export const V2_DATATYPE: Readonly<Record<TensorType, V2Datatype>> = {
  float32: 'FP32',
  float64: 'FP64',
  float16: 'FP16',
  int8: 'INT8',
  uint8: 'UINT8',
  int16: 'INT16',
  uint16: 'UINT16',
  int32: 'INT32',
  uint32: 'UINT32',
  int64: 'INT64',
  uint64: 'UINT64',
  bool: 'BOOL',
  string: 'BYTES',
};

const V2_DATATYPES = new Set<string>(Object.values(V2_DATATYPE));

export function isV2Datatype(value: unknown): value is V2Datatype {
  return typeof value === 'string' && V2_DATATYPES.has(value);
}

export function isTensorType(value: unknown): value is TensorType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(V2_DATATYPE, value);
}

export function allocate(type: TensorType, length: number): TensorData {
  switch (type) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'float16':
    case 'uint16':
      return new Uint16Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'uint32':
      return new Uint32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'uint64':
      return new BigUint64Array(length);
    case 'string':
      return new Array<string>(length).fill('');
  }
}

// Half floats through a float32 view (round to nearest even; the double → float32 step rounds first).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half-precision bits of `value`. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry rounds up into the exponent (to Infinity at the top)
  return sign | half;
}

export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

const INTEGER_RANGE: Readonly<Partial<Record<V2Datatype | TensorType, readonly [number, number]>>> = {
  INT8: [-128, 127],
  UINT8: [0, 255],
  INT16: [-32768, 32767],
  UINT16: [0, 65535],
  INT32: [-2147483648, 2147483647],
  UINT32: [0, 4294967295],
  INT64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

/** Why one value was refused: it is not a value of the declared datatype, or the model input cannot hold it exactly. */
export const WriteResult = { ok: 0, invalid: 1, inexact: 2 } as const;
export type WriteResult = (typeof WriteResult)[keyof typeof WriteResult];

/** Writes `value` (declared as `datatype`) at `index` of `out` (the model input's type `target`). */
export type ElementWriter = (out: TensorData, index: number, value: unknown) => WriteResult;

function isValid(datatype: V2Datatype, value: unknown): boolean {
  switch (datatype) {
    case 'BOOL':
      return typeof value === 'boolean';
    case 'BYTES':
      return typeof value === 'string';
    case 'FP64':
      return typeof value === 'number' && Number.isFinite(value);
    case 'FP32':
      return typeof value === 'number' && Number.isFinite(Math.fround(value));
    case 'FP16':
      return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < 65520;
    default: {
      if (typeof value !== 'number' || !Number.isInteger(value)) return false;
      const [low, high] = INTEGER_RANGE[datatype]!;
      return value >= low && value <= high;
    }
  }
}

const FLOAT_DATATYPES = new Set<V2Datatype>(['FP16', 'FP32', 'FP64']);

/**
 * The writer for `datatype` data into a `target` input, or undefined when no value of that datatype
 * can go there (BYTES into a number, a number into a string input, BOOL across kinds).
 */
export function elementWriter(datatype: V2Datatype, target: TensorType): ElementWriter | undefined {
  if ((datatype === 'BYTES') !== (target === 'string')) return undefined;
  if ((datatype === 'BOOL') !== (target === 'bool')) return undefined;
  const fromFloat = FLOAT_DATATYPES.has(datatype);
  const check = (value: unknown): value is number => isValid(datatype, value);
  switch (target) {
    case 'string':
      return (out, index, value) => {
        if (typeof value !== 'string') return WriteResult.invalid;
        (out as string[])[index] = value;
        return WriteResult.ok;
      };
    case 'bool':
      return (out, index, value) => {
        if (typeof value !== 'boolean') return WriteResult.invalid;
        (out as Uint8Array)[index] = value ? 1 : 0;
        return WriteResult.ok;
      };
    case 'float64':
      return (out, index, value) => {
        if (!check(value)) return WriteResult.invalid;
        (out as Float64Array)[index] = value;
        return WriteResult.ok;
      };
    case 'float32':
      return (out, index, value) => {
        if (!check(value)) return WriteResult.invalid;
        const rounded = Math.fround(value);
        if (!Number.isFinite(rounded) || (!fromFloat && rounded !== value)) return WriteResult.inexact;
        (out as Float32Array)[index] = rounded;
        return WriteResult.ok;
      };
    case 'float16':
      return (out, index, value) => {
        if (!check(value)) return WriteResult.invalid;
        const half = toHalf(value);
        const back = fromHalf(half);
        if (!Number.isFinite(back) || (!fromFloat && back !== value)) return WriteResult.inexact;
        (out as Uint16Array)[index] = half;
        return WriteResult.ok;
      };
    case 'int64':
    case 'uint64': {
      const [low, high] = INTEGER_RANGE[target]!;
      return (out, index, value) => {
        if (!check(value)) return WriteResult.invalid;
        if (!Number.isInteger(value) || value < low || value > high) return WriteResult.inexact;
        (out as BigInt64Array)[index] = BigInt(value);
        return WriteResult.ok;
      };
    }
    default: {
      const [low, high] = INTEGER_RANGE[target]!;
      return (out, index, value) => {
        if (!check(value)) return WriteResult.invalid;
        if (!Number.isInteger(value) || value < low || value > high) return WriteResult.inexact;
        (out as Int32Array)[index] = value;
        return WriteResult.ok;
      };
    }
  }
}

/** Element `index` of ORT output data as a JSON value text (non-finite floats become null). */
export function numberText(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}
