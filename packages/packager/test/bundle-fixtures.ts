/** A stored model for the bundle tests: a tiny real ONNX classifier with a dataset parent and git facts. */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { GitFacts } from '@mlship/core';
import { attr, buildSignature, encodeModel, GraphBuilder, type OnnxModel } from '@mlship/onnx';
import { putArtifact, type PutResult } from '@mlship/registry';
import { REPO_ROOT } from '@mlship/test-utils';
import { RUNTIME_PACKAGES_FORMAT } from '../src/bundle/runtime-packages.js';

/** The real server runtime, when `pnpm run build` has made it. */
export const BUILT_RUNTIME = join(REPO_ROOT, 'packages', 'cli', 'dist', 'bundle', 'serve-runtime.mjs');
export const GIT: GitFacts & { remote: string } = { commit: '0123456789abcdef0123456789abcdef01234567', branch: 'main', dirty: false, remote: 'https://github.com/example/iris.git' };
export const WEIGHTS = [0.6, -0.2, -0.4, 0.9, 0.1, -1.0, -1.1, 0.3, 0.8, 0.2, -0.3, 0.1];
export const BIAS = [0.5, 0.1, -0.6];

/** The onnxruntime-node the workspace installed (through @mlship/onnx, which depends on it). */
export function installedOnnxruntimeDir(): string {
  return dirname(createRequire(join(REPO_ROOT, 'packages', 'onnx', 'package.json')).resolve('onnxruntime-node/package.json'));
}

/** features [N,4] float32 → output [N,3]: softmax(x·W + b). */
export function classifier(): OnnxModel {
  const b = new GraphBuilder('bundle-test');
  const input = b.addInput('features', 'float32', ['N', 4]);
  const logits = b.addNode('Add', [b.addNode('MatMul', [input, b.constantFloat('W', [4, 3], WEIGHTS)], 'matmul'), b.constantFloat('B', [3], BIAS)], 'logits');
  b.addOutput(b.rename(b.addNode('Softmax', [logits], 'softmax', { axis: attr.int(1) }), 'output'), 'float32', ['N', 3]);
  return { irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 'mlship-test', producerVersion: '0', graph: b.toGraph() };
}

/** What the classifier gives for one row, computed here. */
export function expectedProbabilities(row: number[]): number[] {
  const logits = [0, 1, 2].map((j) => row.reduce((sum, x, i) => sum + x * WEIGHTS[i * 3 + j]!, BIAS[j]!));
  const max = Math.max(...logits);
  const exps = logits.map((value) => Math.exp(value - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / total);
}

export async function storeTestModel(
  registry: string,
  options: { name?: string; git?: GitFacts | null; status?: 'ok' | 'failed' } = {},
): Promise<{ dataset: PutResult; model: PutResult }> {
  const dataset = await putArtifact({ registry, kind: 'datasets', name: 'iris', files: [{ name: 'iris.csv', data: 'a,b,c,d,label\n1,2,3,4,x\n' }], git: null });
  const model = classifier();
  const signature = buildSignature({ inputs: model.graph.inputs, outputs: model.graph.outputs, irVersion: 8, opset: 13, labels: ['setosa', 'versicolor', 'virginica'] });
  const stored = await putArtifact({
    registry,
    kind: 'models',
    name: options.name ?? 'iris',
    files: [
      { name: 'model.onnx', data: encodeModel(model) },
      { name: 'signature.json', data: `${JSON.stringify(signature, null, 2)}\n` },
      { name: 'model-card.md', data: '# iris\n\nA test classifier.\n' },
      { name: 'model-card.json', data: '{"name":"iris"}\n' },
      { name: 'metrics.json', data: '{"accuracy":1}\n' },
    ],
    parents: [dataset.ref],
    git: options.git === undefined ? GIT : options.git,
    ...(options.status ? { status: options.status } : {}),
  });
  return { dataset, model: stored };
}

/**
 * The server runtime for the tests: the real one when built, else a stand-in file with a package
 * list beside it (the tests check the bundle, not the server; the CLI's e2e runs the real one).
 */
export async function testRuntimeFile(dir: string): Promise<{ file: string; real: boolean }> {
  if (existsSync(BUILT_RUNTIME)) return { file: BUILT_RUNTIME, real: true };
  const file = join(dir, 'serve-runtime.mjs');
  await writeFile(file, "import 'onnxruntime-node';\nconsole.log('stand-in runtime');\n");
  const packages = [
    { name: 'bintrees', version: '1.0.2', license: 'MIT', dependencies: [] },
    { name: 'prom-client', version: '15.1.3', license: 'Apache-2.0', dependencies: ['@opentelemetry/api', 'tdigest'] },
    { name: 'tdigest', version: '0.1.3', license: 'MIT', dependencies: ['bintrees'] },
  ];
  await writeFile(join(dir, 'serve-runtime.packages.json'), JSON.stringify({ format: RUNTIME_PACKAGES_FORMAT, runtime: 'serve-runtime.mjs', external: ['onnxruntime-node'], packages }));
  return { file, real: false };
}
