/** Serialises an {@link OnnxModel} to ONNX protobuf bytes. */
import type { Dim, OnnxAttribute, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './model.js';
import { DATA_TYPE_CODES, onnx } from './proto.js';
import type { ProtoAttribute, ProtoGraph, ProtoModel, ProtoNode, ProtoTensor, ProtoValueInfo } from './proto.js';

const AttributeType = onnx.AttributeProto.AttributeType;
const utf8 = new TextEncoder();

/** Returns the ONNX protobuf bytes of `model` (the content of a `model.onnx` file). */
export function encodeModel(model: OnnxModel): Uint8Array {
  return onnx.ModelProto.encode(toProtoModel(model)).finish();
}

function toProtoModel(model: OnnxModel): ProtoModel {
  return {
    irVersion: model.irVersion,
    opsetImport: model.opsetImports.map((opset) => ({ domain: opset.domain, version: opset.version })),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    graph: toProtoGraph(model.graph),
    ...(model.docString ? { docString: model.docString } : {}),
    metadataProps: Object.entries(model.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
}

function toProtoGraph(graph: OnnxGraph): ProtoGraph {
  return {
    name: graph.name,
    node: graph.nodes.map(toProtoNode),
    initializer: graph.initializers.map(toProtoTensor),
    input: graph.inputs.map(toProtoValueInfo),
    output: graph.outputs.map(toProtoValueInfo),
    valueInfo: (graph.valueInfo ?? []).map(toProtoValueInfo),
    ...(graph.docString ? { docString: graph.docString } : {}),
  };
}

function toProtoNode(node: OnnxNode): ProtoNode {
  return {
    opType: node.opType,
    input: node.inputs,
    output: node.outputs,
    ...(node.name ? { name: node.name } : {}),
    ...(node.domain ? { domain: node.domain } : {}),
    attribute: Object.entries(node.attributes ?? {}).map(([name, attribute]) => toProtoAttribute(name, attribute)),
  };
}

function toProtoAttribute(name: string, attribute: OnnxAttribute): ProtoAttribute {
  switch (attribute.type) {
    case 'int':
      return { name, type: AttributeType.INT, i: attribute.value };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: attribute.value };
    case 'string':
      return { name, type: AttributeType.STRING, s: utf8.encode(attribute.value) };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: attribute.value };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: attribute.value };
    case 'strings':
      return { name, type: AttributeType.STRINGS, strings: attribute.value.map((s) => utf8.encode(s)) };
    case 'tensor':
      return { name, type: AttributeType.TENSOR, t: toProtoTensor(attribute.value) };
    case 'graph':
      return { name, type: AttributeType.GRAPH, g: toProtoGraph(attribute.value) };
  }
}

/** Numeric data goes to `raw_data` (little-endian bytes); strings to `string_data`. */
function toProtoTensor(tensor: OnnxTensor): ProtoTensor {
  const base = { name: tensor.name, dataType: DATA_TYPE_CODES[tensor.dataType], dims: tensor.dims };
  const data = tensor.data;
  if (Array.isArray(data)) return { ...base, stringData: data.map((s) => utf8.encode(s)) };
  return { ...base, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function toProtoValueInfo(info: OnnxValueInfo): ProtoValueInfo {
  return {
    name: info.name,
    type: {
      tensorType: {
        elemType: DATA_TYPE_CODES[info.dataType],
        ...(info.shape ? { shape: { dim: info.shape.map(toProtoDim) } } : {}),
      },
    },
  };
}

function toProtoDim(dim: Dim): { dimValue?: number; dimParam?: string } {
  if (typeof dim === 'number') return { dimValue: dim };
  if (typeof dim === 'string') return { dimParam: dim };
  return {};
}
