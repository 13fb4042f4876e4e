/** Accumulates nodes, constants and graph inputs/outputs under unique value names. */
import type { DataType, Dim, OnnxAttribute, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from './model.js';

export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly used = new Set<string>();

  constructor(private readonly name: string) {}

  /** A name not used yet in this graph: `base`, else `base_1`, `base_2`, … */
  uniqueName(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'value';
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  addInput(name: string, dataType: DataType, shape: Dim[]): string {
    const unique = this.uniqueName(name);
    this.inputs.push({ name: unique, dataType, shape });
    return unique;
  }

  /** Declares `value` a graph output; `value` must be a node output or an input of this graph. */
  addOutput(value: string, dataType: DataType, shape: Dim[]): void {
    this.outputs.push({ name: value, dataType, shape });
  }

  /** Adds a float32 constant (an initializer) and returns its name. */
  constantFloat(base: string, dims: number[], values: ArrayLike<number>): string {
    return this.addInitializer(base, 'float32', dims, Float32Array.from(values));
  }

  /** Adds an int64 constant (shapes, axes, pads for operators that take them as inputs). */
  constantInt64(base: string, dims: number[], values: number[]): string {
    return this.addInitializer(base, 'int64', dims, BigInt64Array.from(values, (v) => BigInt(v)));
  }

  private addInitializer(base: string, dataType: DataType, dims: number[], data: OnnxTensor['data']): string {
    const name = this.uniqueName(base);
    this.initializers.push({ name, dataType, dims, data });
    return name;
  }

  /** Adds a node with one output, named after `base`, and returns the output's name. */
  addNode(opType: string, inputs: string[], base: string, attributes?: Record<string, OnnxAttribute>): string {
    const output = this.uniqueName(base);
    const node: OnnxNode = { opType, inputs, outputs: [output], name: output };
    if (attributes && Object.keys(attributes).length > 0) node.attributes = attributes;
    this.nodes.push(node);
    return output;
  }

  /**
   * Gives the value `from` the name `to` (for graph outputs with fixed names). A graph input
   * cannot be renamed, so it is passed through an Identity node instead.
   */
  rename(from: string, to: string): string {
    const producer = this.nodes.find((node) => node.outputs.includes(from));
    if (!producer) return this.addNode('Identity', [from], to);
    const name = this.uniqueName(to);
    for (const node of this.nodes) {
      node.inputs = node.inputs.map((input) => (input === from ? name : input));
      node.outputs = node.outputs.map((output) => (output === from ? name : output));
      if (node.name === from) node.name = name;
    }
    return name;
  }

  toGraph(): OnnxGraph {
    return {
      name: this.name,
      nodes: [...this.nodes],
      initializers: [...this.initializers],
      inputs: [...this.inputs],
      outputs: [...this.outputs],
    };
  }
}
