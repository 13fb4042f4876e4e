/**
 * A plain, library-free picture of an ONNX model: what the writer takes and the reader returns.
 * Tensor data lives in typed arrays (little-endian, as on every platform Node.js runs on).
 */

/** Element types mlship reads and writes (ONNX `TensorProto.DataType`). */
export type DataType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'int8'
  | 'uint8'
  | 'int32'
  | 'int64'
  | 'bool'
  | 'string';

/**
 * Typed-array data per element type: `float16` is raw IEEE half bits in a Uint16Array,
 * `bool` is one byte per element, `string` is an array of strings.
 */
export type TensorData = Float32Array | Float64Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array | string[];

export interface OnnxTensor {
  name: string;
  dataType: DataType;
  dims: number[];
  data: TensorData;
}

/** A dimension: a fixed size, a symbolic name such as `N`, or `null` when unknown. */
export type Dim = number | string | null;

export interface OnnxValueInfo {
  name: string;
  dataType: DataType;
  /** `undefined` when the rank is unknown. */
  shape?: Dim[];
}

export type OnnxAttribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: number[] }
  | { type: 'floats'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensor'; value: OnnxTensor }
  | { type: 'graph'; value: OnnxGraph };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** Empty or absent for the default `ai.onnx` domain. */
  domain?: string;
  attributes?: Record<string, OnnxAttribute>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Shapes of intermediate values, when known. */
  valueInfo?: OnnxValueInfo[];
  docString?: string;
}

export interface OpsetImport {
  /** `''` is the default `ai.onnx` domain. */
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  docString?: string;
  /** ONNX `metadata_props`. */
  metadata?: Record<string, string>;
}

/** IR version 8 (ONNX 1.10–1.12): what ONNX Runtime and Debian's onnx 1.12 both accept. */
export const IR_VERSION = 8;
/** Lowest and highest `ai.onnx` opsets an export may target; every operator mlship emits exists from 13 on. */
export const MIN_OPSET = 13;
export const MAX_OPSET = 17;
export const DEFAULT_OPSET = 13;
export const PRODUCER_NAME = 'mlship';

/** Attribute constructors, so graph-building code reads as `{ axis: int(1) }`. */
export const attr = {
  int: (value: number): OnnxAttribute => ({ type: 'int', value }),
  float: (value: number): OnnxAttribute => ({ type: 'float', value }),
  string: (value: string): OnnxAttribute => ({ type: 'string', value }),
  ints: (value: number[]): OnnxAttribute => ({ type: 'ints', value }),
  floats: (value: number[]): OnnxAttribute => ({ type: 'floats', value }),
};
