/**
 * Small helpers for passes that rewrite an ONNX graph in place of a copy: initializer lookup,
 * consumers of a value, and names unique in the graph. Passes take an OnnxModel and return a new one.
 */
import type { OnnxGraph, OnnxModel, OnnxNode, OnnxTensor } from '@mlship/onnx';

/**
 * A deep-enough copy for a pass to edit: new arrays for nodes, initializers and value infos; tensors
 * are shared. Graph inputs that name an initializer (old exporters, IR < 4) are dropped: they are
 * constants, and a pass that retypes or renames the initializer would contradict them.
 */
export function cloneModel(model: OnnxModel): OnnxModel {
  const graph = model.graph;
  const constants = new Set(graph.initializers.map((tensor) => tensor.name));
  return {
    ...model,
    opsetImports: model.opsetImports.map((opset) => ({ ...opset })),
    graph: {
      ...graph,
      nodes: graph.nodes.map((node) => ({ ...node, inputs: [...node.inputs], outputs: [...node.outputs] })),
      initializers: [...graph.initializers],
      inputs: graph.inputs.filter((input) => !constants.has(input.name)),
      outputs: [...graph.outputs],
      ...(graph.valueInfo ? { valueInfo: [...graph.valueInfo] } : {}),
    },
    ...(model.metadata ? { metadata: { ...model.metadata } } : {}),
  };
}

export function initializerMap(graph: OnnxGraph): Map<string, OnnxTensor> {
  return new Map(graph.initializers.map((tensor) => [tensor.name, tensor]));
}

/** The nodes that read `value`, in graph order. */
export function consumersOf(graph: OnnxGraph, value: string): OnnxNode[] {
  return graph.nodes.filter((node) => node.inputs.includes(value));
}

/** Hands out names not used by any value, node or initializer of the graph. */
export class NameAllocator {
  private readonly used = new Set<string>();

  constructor(graph: OnnxGraph) {
    for (const node of graph.nodes) {
      for (const name of [...node.inputs, ...node.outputs, node.name ?? '']) this.used.add(name);
    }
    for (const value of [...graph.initializers, ...graph.inputs, ...graph.outputs, ...(graph.valueInfo ?? [])]) this.used.add(value.name);
  }

  /** `base`, else `base_1`, `base_2`, … */
  take(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

/** The `ai.onnx` opset the model imports (13 when it names none). */
export function defaultOpset(model: OnnxModel): number {
  return model.opsetImports.find((opset) => opset.domain === '' || opset.domain === 'ai.onnx')?.version ?? 13;
}

/** Float32 values of a float32 initializer; undefined for any other type. */
export function floatValues(tensor: OnnxTensor): Float32Array | undefined {
  return tensor.dataType === 'float32' && tensor.data instanceof Float32Array ? tensor.data : undefined;
}

/** Removes initializers no node input and no graph output reads any more. */
export function dropUnusedInitializers(graph: OnnxGraph): void {
  const read = new Set(graph.nodes.flatMap((node) => node.inputs));
  for (const output of graph.outputs) read.add(output.name);
  graph.initializers = graph.initializers.filter((tensor) => read.has(tensor.name));
}

/**
 * Makes initializers with the same type, dims and bytes one (the first by name order of appearance),
 * so a weight two operators share is stored once after a pass quantized it for each. Graph outputs
 * keep their names; graphs with subgraphs are left alone (their bodies may name initializers too).
 */
export function mergeIdenticalInitializers(graph: OnnxGraph): void {
  if (graph.nodes.some((node) => Object.values(node.attributes ?? {}).some((attribute) => attribute.type === 'graph'))) return;
  const outputs = new Set(graph.outputs.map((output) => output.name));
  const bytesOf = (tensor: OnnxTensor) => (Array.isArray(tensor.data) ? null : Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  const kept = new Map<string, Array<{ name: string; bytes: Buffer }>>();
  const renamed = new Map<string, string>();
  for (const tensor of graph.initializers) {
    const bytes = bytesOf(tensor);
    if (!bytes || outputs.has(tensor.name)) continue;
    const key = `${tensor.dataType}|${tensor.dims.join(',')}|${bytes.length}`;
    const same = kept.get(key)?.find((candidate) => candidate.bytes.equals(bytes));
    if (same) renamed.set(tensor.name, same.name);
    else kept.set(key, [...(kept.get(key) ?? []), { name: tensor.name, bytes }]);
  }
  if (renamed.size === 0) return;
  for (const node of graph.nodes) node.inputs = node.inputs.map((input) => renamed.get(input) ?? input);
  graph.initializers = graph.initializers.filter((tensor) => !renamed.has(tensor.name));
}
