/** Parses ONNX protobuf bytes back into an {@link OnnxModel}. */
import { ExitCode, MlshipError } from '@mlship/core';
import type { DataType, Dim, OnnxAttribute, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo, TensorData } from './model.js';
import { OnnxErrorCode } from './errors.js';
import { dataTypeOf, onnx, toNumber } from './proto.js';
import type { ProtoAttribute, ProtoGraph, ProtoNode, ProtoTensor, ProtoValueInfo } from './proto.js';

const AttributeType = onnx.AttributeProto.AttributeType;
const utf8 = new TextDecoder();
type Int64 = number | { toNumber(): number; toString(): string };

/**
 * Reads a `model.onnx` file's bytes. Throws `MLSHIP_E_ONNX_INVALID` for bytes that are not an ONNX
 * model, tensors kept in external files, and element types mlship does not handle.
 */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  let proto: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw invalid(`not an ONNX model: ${(error as Error).message}`, error);
  }
  if (!proto.graph) throw invalid('the ONNX model has no graph');
  const model: OnnxModel = {
    irVersion: toNumber(proto.irVersion),
    opsetImports: proto.opsetImport.map((opset) => ({ domain: opset.domain ?? '', version: toNumber(opset.version) })),
    producerName: proto.producerName,
    producerVersion: proto.producerVersion,
    graph: fromProtoGraph(proto.graph),
  };
  if (proto.docString) model.docString = proto.docString;
  if (proto.metadataProps.length > 0) {
    model.metadata = Object.fromEntries(proto.metadataProps.map((prop) => [prop.key ?? '', prop.value ?? '']));
  }
  return model;
}

function fromProtoGraph(graph: ProtoGraph): OnnxGraph {
  const result: OnnxGraph = {
    name: graph.name ?? '',
    nodes: (graph.node ?? []).map(fromProtoNode),
    initializers: (graph.initializer ?? []).map(fromProtoTensor),
    inputs: (graph.input ?? []).map(fromProtoValueInfo),
    outputs: (graph.output ?? []).map(fromProtoValueInfo),
  };
  if (graph.valueInfo && graph.valueInfo.length > 0) result.valueInfo = graph.valueInfo.map(fromProtoValueInfo);
  if (graph.docString) result.docString = graph.docString;
  return result;
}

function fromProtoNode(node: ProtoNode): OnnxNode {
  const result: OnnxNode = { opType: node.opType ?? '', inputs: node.input ?? [], outputs: node.output ?? [] };
  if (node.name) result.name = node.name;
  if (node.domain) result.domain = node.domain;
  const attributes = node.attribute ?? [];
  if (attributes.length > 0) {
    result.attributes = Object.fromEntries(attributes.map((attribute) => [attribute.name ?? '', fromProtoAttribute(attribute, result)]));
  }
  return result;
}

function fromProtoAttribute(attribute: ProtoAttribute, node: OnnxNode): OnnxAttribute {
  switch (attribute.type) {
    case AttributeType.INT:
      return { type: 'int', value: toNumber(attribute.i) };
    case AttributeType.FLOAT:
      return { type: 'float', value: attribute.f ?? 0 };
    case AttributeType.STRING:
      return { type: 'string', value: utf8.decode(attribute.s ?? new Uint8Array()) };
    case AttributeType.INTS:
      return { type: 'ints', value: (attribute.ints ?? []).map(toNumber) };
    case AttributeType.FLOATS:
      return { type: 'floats', value: attribute.floats ?? [] };
    case AttributeType.STRINGS:
      return { type: 'strings', value: (attribute.strings ?? []).map((s) => utf8.decode(s)) };
    case AttributeType.TENSOR:
      return { type: 'tensor', value: fromProtoTensor(attribute.t ?? {}) };
    case AttributeType.GRAPH:
      return { type: 'graph', value: fromProtoGraph(attribute.g ?? {}) };
    default:
      throw invalid(`attribute ${attribute.name ?? '?'} of ${node.opType} node ${node.name ?? ''} has an unsupported type (${attribute.type ?? '?'})`);
  }
}

function fromProtoTensor(tensor: ProtoTensor): OnnxTensor {
  const name = tensor.name ?? '';
  const dataType = dataTypeOf(tensor.dataType ?? 0);
  if (dataType === undefined) throw invalid(`tensor ${name} has an unsupported element type (ONNX code ${tensor.dataType ?? 0})`);
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw invalid(`tensor ${name} keeps its data in an external file`, undefined, 'save the model with all tensors inside the file');
  }
  const dims = (tensor.dims ?? []).map(toNumber);
  const data = tensorData(tensor, dataType, name);
  const expected = dims.reduce((product, dim) => product * dim, 1);
  if (data.length !== expected) throw invalid(`tensor ${name} holds ${data.length} values for shape [${dims.join(', ')}]`);
  return { name, dataType, dims, data };
}

const TYPED_ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
} as const;

function tensorData(tensor: ProtoTensor, dataType: DataType, name: string): TensorData {
  if (dataType === 'string') return (tensor.stringData ?? []).map((s) => utf8.decode(s));
  const ArrayType = TYPED_ARRAYS[dataType];
  const raw = tensor.rawData;
  if (raw && raw.length > 0) {
    if (raw.length % ArrayType.BYTES_PER_ELEMENT !== 0) throw invalid(`tensor ${name} has ${raw.length} raw bytes, not a whole number of ${dataType} values`);
    const copy = new Uint8Array(raw); // a copy: aligned, and not a view into the file's buffer
    return new ArrayType(copy.buffer, 0, copy.length / ArrayType.BYTES_PER_ELEMENT);
  }
  // Typed fields, as other exporters write them (float16, bool and 8-bit types travel in int32_data).
  switch (dataType) {
    case 'float32':
      return Float32Array.from(tensor.floatData ?? []);
    case 'float64':
      return Float64Array.from(tensor.doubleData ?? []);
    case 'int64':
      return BigInt64Array.from((tensor.int64Data ?? []) as Int64[], (value) => BigInt(value.toString()));
    case 'float16':
      return Uint16Array.from(tensor.int32Data ?? []);
    case 'int8':
      return Int8Array.from(tensor.int32Data ?? []);
    case 'int32':
      return Int32Array.from(tensor.int32Data ?? []);
    default: // uint8, bool
      return Uint8Array.from(tensor.int32Data ?? []);
  }
}

function fromProtoValueInfo(info: ProtoValueInfo): OnnxValueInfo {
  const name = info.name ?? '';
  const tensorType = info.type?.tensorType;
  const dataType = dataTypeOf(tensorType?.elemType ?? 0);
  if (!tensorType || dataType === undefined) throw invalid(`value ${name} is not a tensor of a supported element type`);
  const result: OnnxValueInfo = { name, dataType };
  if (tensorType.shape) result.shape = (tensorType.shape.dim ?? []).map(fromProtoDim);
  return result;
}

function fromProtoDim(dim: { dimValue?: Int64 | null; dimParam?: string | null }): Dim {
  // Decoded messages carry proto3 defaults on their prototype: only own properties were in the bytes.
  if (Object.hasOwn(dim, 'dimParam') && dim.dimParam) return dim.dimParam;
  if (Object.hasOwn(dim, 'dimValue')) return toNumber(dim.dimValue);
  return null;
}

function invalid(message: string, cause?: unknown, hint = 'check that the file is an ONNX model'): MlshipError {
  return new MlshipError(OnnxErrorCode.invalidModel, message, { hint, exitCode: ExitCode.usage, cause });
}

