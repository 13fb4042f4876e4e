/** The generated protobufjs code for onnx.proto (IR 8), and the mapping of element types to its codes. */
import onnxProto from 'onnx-proto';
import type { DataType } from './model.js';

export const onnx = onnxProto.onnx;
export type ProtoModel = onnxProto.onnx.IModelProto;
export type ProtoGraph = onnxProto.onnx.IGraphProto;
export type ProtoNode = onnxProto.onnx.INodeProto;
export type ProtoTensor = onnxProto.onnx.ITensorProto;
export type ProtoValueInfo = onnxProto.onnx.IValueInfoProto;
export type ProtoAttribute = onnxProto.onnx.IAttributeProto;

const TensorDataType = onnx.TensorProto.DataType;

export const DATA_TYPE_CODES: Record<DataType, number> = {
  float32: TensorDataType.FLOAT,
  float64: TensorDataType.DOUBLE,
  float16: TensorDataType.FLOAT16,
  int8: TensorDataType.INT8,
  uint8: TensorDataType.UINT8,
  int32: TensorDataType.INT32,
  int64: TensorDataType.INT64,
  bool: TensorDataType.BOOL,
  string: TensorDataType.STRING,
};

const DATA_TYPES_BY_CODE = new Map<number, DataType>(
  Object.entries(DATA_TYPE_CODES).map(([name, code]) => [code, name as DataType]),
);

/** The element type for an ONNX code, or `undefined` for one mlship does not handle. */
export function dataTypeOf(code: number): DataType | undefined {
  return DATA_TYPES_BY_CODE.get(code);
}

/** protobufjs decodes 64-bit integers as `Long` objects when the `long` package is present. */
export function toNumber(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}
