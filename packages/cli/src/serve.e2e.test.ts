/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// `mlship serve` through the built binary: its temporary copy of a stored model never outlives the
// process (signals before it listens, a bad --log-dir, a graceful stop), and the admin API is opt-in.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { attr, encodeModel, GraphBuilder, type OnnxModel } from '@mlship/onnx';
import { initRegistry, putArtifact } from '@mlship/registry';
import { expectOneLineError, makeTempDir, MLSHIP_BIN, runMlship } from '@mlship/test-utils';

function wrap(builder: GraphBuilder): OnnxModel {
  return { irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 'mlship-test', producerVersion: '0', graph: builder.toGraph() };
}

/** x [N, 1] → y = x + 1. */
function tinyModel(): OnnxModel {
  const b = new GraphBuilder('tiny');
  const x = b.addInput('x', 'float32', ['N', 1]);
  b.addOutput(b.rename(b.addNode('Add', [x, b.constantFloat('one', [1], [1])], 'add'), 'y'), 'float32', ['N', 1]);
  return wrap(b);
}

/** x [N, 1] → y = x + the sum of a 3000×3000 all-ones matrix squared: ONNX Runtime takes a second or more to create its session. */
function slowToLoadModel(): OnnxModel {
  const b = new GraphBuilder('slowload');
  const x = b.addInput('x', 'float32', ['N', 1]);
  const shape = b.constantInt64('shape', [2], [3000, 3000]);
  const ones = b.addNode('ConstantOfShape', [shape], 'ones', { value: { type: 'tensor', value: { name: 'one', dataType: 'float32', dims: [1], data: Float32Array.from([1]) } } });
  const total = b.addNode('ReduceSum', [b.addNode('MatMul', [ones, ones], 'square')], 'sum', { keepdims: attr.int(0) });
  b.addOutput(b.rename(b.addNode('Add', [x, total], 'add'), 'y'), 'float32', ['N', 1]);
  return wrap(b);
}

/** a, b [N, 2] → two classes, class 1 when b > a; stored with labels 0 and 1 (a label column of integers). */
function classifierModel(): OnnxModel {
  const b = new GraphBuilder('churn');
  const x = b.addInput('features', 'float32', ['N', 2]);
  const logits = b.addNode('MatMul', [x, b.constantFloat('W', [2, 2], [1, -1, -1, 1])], 'matmul');
  b.addOutput(b.rename(b.addNode('Softmax', [logits], 'softmax', { axis: attr.int(1) }), 'output'), 'float32', ['N', 2]);
  return wrap(b);
}

function classifierSignature(model: OnnxModel): Buffer {
  const features = ['a', 'b'].map((name) => ({ name, kind: 'numeric', mean: 0, std: 1 }));
  const signature = { format: 'mlship.signature.v1', model: { file: 'model.onnx', irVersion: 8, opset: 13 }, inputs: model.graph.inputs, outputs: model.graph.outputs, features, labels: ['0', '1'], labelType: 'number' };
  return Buffer.from(JSON.stringify(signature));
}

describe('mlship serve (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  /** The TMPDIR of the served processes: where their temporary model copies go. */
  let tmp: string;
  const children: ChildProcess[] = [];
  const leftovers = async () => (await readdir(tmp)).filter((name) => name.startsWith('mlship-serve-'));

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-serve-cli-'));
    tmp = join(dir, 'tmp');
    await mkdir(tmp);
    const { registry } = await initRegistry({ dir });
    for (const [name, model] of [['tiny', tinyModel()], ['slowload', slowToLoadModel()]] as const) {
      await putArtifact({ registry, kind: 'models', name, files: [{ name: 'model.onnx', data: encodeModel(model) }], git: null });
    }
    const classifier = classifierModel();
    const files = [
      { name: 'model.onnx', data: encodeModel(classifier) },
      { name: 'signature.json', data: classifierSignature(classifier) },
    ];
    await putArtifact({ registry, kind: 'models', name: 'churn', files, git: null });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cleanup();
  });

  /** Starts `mlship serve ARGS`; `until` resolves with the first stderr or stdout text matching it. */
  function start(args: string[]): { child: ChildProcess; until: (pattern: RegExp, stream?: 'stdout' | 'stderr') => Promise<RegExpMatchArray>; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; output: () => string } {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, NO_COLOR: '1' };
    delete env.MLSHIP_REGISTRY;
    const child = spawn(process.execPath, [MLSHIP_BIN, 'serve', ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const text = { stdout: '', stderr: '' };
    const waiters: Array<() => void> = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]!.on('data', (data: Buffer) => {
        text[stream] += data.toString();
        waiters.forEach((wake) => wake());
      });
    }
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const until = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stderr') =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text[stream]);
          if (match) resolve(match);
        };
        waiters.push(check);
        check();
        void exit.then(() => reject(new Error(`mlship serve exited before printing ${pattern}\nstdout: ${text.stdout}\nstderr: ${text.stderr}`)));
      });
    return { child, until, exit, output: () => `stdout: ${text.stdout}\nstderr: ${text.stderr}` };
  }

  it.each(['SIGTERM', 'SIGINT'] as const)('removes its temporary model copy when %s arrives before it listens', async (signal) => {
    const serve = start(['models/slowload:1', '--port', '0', '--verbose']);
    // The copy is written; ONNX Runtime is still creating the session (a second or more).
    const [, copy] = await serve.until(/serve: models\/slowload:1 → models\/slowload:1 in (\S+)/);
    expect(copy!.startsWith(tmp)).toBe(true);
    serve.child.kill(signal);
    const exit = await serve.exit;
    expect(serve.output()).not.toMatch(/serving slowload/);
    expect(exit).toEqual({ code: null, signal });
    expect(await leftovers()).toEqual([]);
  }, 60_000);

  it('fails fast with a coded error for a --log-dir under /proc, and removes its copy', async () => {
    const result = await runMlship(['serve', 'models/tiny:1', '--port', '0', '--log-dir', '/proc/self/logs'], { cwd: dir, env: { TMPDIR: tmp }, timeoutMs: 20_000 });
    expectOneLineError(result, 'MLSHIP_E_SERVE_OPTIONS', 2);
    expect(result.stderr).toMatch(/cannot open the prediction log in \/proc\/self\/logs/);
    expect(await leftovers()).toEqual([]);
  }, 30_000);

  it('serves the admin API only with --admin, refuses a foreign origin, and removes its copy after a graceful stop', async () => {
    for (const admin of [false, true]) {
      const serve = start(['models/tiny:1', '--port', '0', '--json', ...(admin ? ['--admin'] : [])]);
      const [line] = await serve.until(/^\{.*\}\n/, 'stdout');
      const { url } = JSON.parse(line!) as { url: string };
      const index = await fetch(`${url}/v2/repository/index`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const answer = (await index.json()) as { error?: string; name?: string };
      if (admin) expect([index.status, answer.name]).toEqual([200, 'tiny']);
      else expect([index.status, answer.error]).toEqual([403, expect.stringMatching(/--admin/)]);
      const foreign = await fetch(`${url}/v2/repository/models/tiny/split`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:1' }, body: '{"split":{"1":1}}' });
      expect(foreign.status).toBe(403);
      expect((await fetch(`${url}/v2/models/tiny/infer`, { method: 'POST', body: '{"inputs":[{"name":"x","shape":[1,1],"datatype":"FP32","data":[1]}]}' })).status).toBe(200);
      serve.child.kill('SIGTERM');
      expect(await serve.exit).toEqual({ code: 0, signal: null });
      expect(await leftovers()).toEqual([]);
    }
  }, 60_000);

  it('takes --extra-fields and --echo; answers name their version and give labels in their type', async () => {
    const serve = start(['models/churn:1', '--port', '0', '--json', '--extra-fields', 'error', '--echo', 'id']);
    const [line] = await serve.until(/^\{.*\}\n/, 'stdout');
    const { url } = JSON.parse(line!) as { url: string };
    const post = (instances: unknown[]) => fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances }) });
    const answered = await post([
      { a: 2, b: -1, id: 'c-1' },
      { id: 'c-2', a: -1, b: 2 },
    ]);
    expect([answered.status, answered.headers.get('x-model-version')]).toEqual([200, '1']);
    expect(await answered.json()).toMatchObject({ model_name: 'churn', model_version: '1', predictions: [{ label: 0, id: 'c-1' }, { label: 1, id: 'c-2' }] });
    const refused = await post([{ a: 1, b: 1, id: 'c-3', region: 'north' }]);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^instance 0: unexpected field "region"/);
    serve.child.kill('SIGTERM');
    expect(await serve.exit).toEqual({ code: 0, signal: null });

    const bad = await runMlship(['serve', 'models/churn:1', '--port', '0', '--extra-fields', 'drop'], { cwd: dir, env: { TMPDIR: tmp }, timeoutMs: 20_000 });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--extra-fields/);
    expect(await leftovers()).toEqual([]);
  }, 60_000);
});
