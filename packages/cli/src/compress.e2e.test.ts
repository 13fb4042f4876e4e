/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// `mlship compress` through the built binary on the digits examples (MLP and CNN trained by `mlship
// train`): every method from the CLI, each result checked by onnx's own checker (full_check) and run
// in ONNX Runtime here against the source; the accuracy gate, lineage, imported models and bad input.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOnnxModel } from '@mlship/onnx';
import { checkWithOnnx, expectOneLineError, makeTempDir, REPO_ROOT, runMlship, runMlshipJson } from '@mlship/test-utils';

const digits = join(REPO_ROOT, 'examples', 'digits');
const digitsCsv = join(digits, 'digits.csv');

interface Report {
  method: string;
  before: { bytes: number; gzipBytes: number; parameters: number; nonzeroParameters: number; metrics: Record<string, number>; latency: { batch1: { medianUs: number }; batch64: { medianUs: number } } };
  after: Report['before'];
  ratios: Record<string, number>;
  agreement: number;
  maxAbsDifference: number;
  gate: { metric: string; before: number; after: number; drop: number; maxDrop: number; passed: boolean };
  details: Record<string, unknown>;
  evaluation: { rows: number; description: string };
}

describe('mlship compress (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let heldOut: { data: Float32Array; count: number };
  const mlship = (args: string[]) => runMlship(args, { cwd: dir, timeoutMs: 240_000 });
  const json = (args: string[]) => runMlshipJson(args, { cwd: dir, timeoutMs: 240_000 });
  const compress = async (args: string[]) => {
    const result = await json(['compress', ...args, '--latency-calls', '200']);
    if (result.exitCode !== 0) throw new Error(`compress ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
    return result.data as { ref: string; status: string; source: { ref: string }; report: Report };
  };
  /** The stored model.onnx of `ref`, written to DIR/out/NAME.onnx. */
  const exported = async (ref: string): Promise<string> => {
    const path = join(dir, 'out', `${ref.replace(/[/:@]/g, '_')}.onnx`);
    const result = await mlship(['model', 'export', ref, '--out', path]);
    expect(result.exitCode).toBe(0);
    return path;
  };
  /** The model's outputs on the held-out rows; the input's dims after the batch come from its signature. */
  const run = async (path: string, rows = heldOut) => {
    const signature = JSON.parse(await readFile(path.replace(/\.onnx$/, '.signature.json'), 'utf8')) as { inputs: Array<{ name: string; shape: unknown[] }>; outputs: Array<{ name: string }> };
    const input = signature.inputs[0]!;
    const outputs = await runOnnxModel({ bytes: await readFile(path), feeds: { [input.name]: { data: rows.data, dims: [rows.count, ...(input.shape.slice(1) as number[])] } } });
    return outputs[signature.outputs[0]!.name]!.data;
  };
  const argmaxRows = (values: Float32Array) =>
    Array.from({ length: values.length / 10 }, (_, r) => {
      const row = values.subarray(r * 10, r * 10 + 10);
      return row.indexOf(Math.max(...row));
    });

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-compress-cli-'));
    expect((await mlship(['init'])).exitCode).toBe(0);
    for (const [spec, name] of [
      ['train.yaml', 'digits-mlp'],
      ['train-cnn.yaml', 'digits-cnn'],
    ] as const) {
      const trained = await json(['train', join(digits, spec), '--data', digitsCsv, '--name', name]);
      expect(trained.exitCode).toBe(0);
    }
    // The held-out rows the MLP recorded, as the ONNX model takes them (64 pixels, row-major).
    expect((await mlship(['registry', 'get', 'models/digits-mlp:1', '--out', 'mlp'])).exitCode).toBe(0);
    const predictions = JSON.parse(await readFile(join(dir, 'mlp', 'predictions.json'), 'utf8')) as { rows: number[] };
    const [header, ...lines] = (await readFile(digitsCsv, 'utf8')).trim().split(/\r?\n/);
    const columns = header!.split(',');
    const pixels = Array.from({ length: 64 }, (_, i) => columns.indexOf(`px${i}`));
    const data = new Float32Array(predictions.rows.length * 64);
    predictions.rows.forEach((row, r) => {
      const cells = lines[row]!.split(',');
      pixels.forEach((column, j) => (data[r * 64 + j] = Number(cells[column])));
    });
    heldOut = { data, count: predictions.rows.length };
  }, 120_000);
  afterAll(() => cleanup());

  it.each(['digits-mlp', 'digits-cnn'])('int8 on %s: smaller, checked, ≥99%% of classes unchanged, stored with the source as parent', async (model) => {
    const result = await compress([`models/${model}:1`, '--method', 'int8']);
    expect(result).toMatchObject({ ref: `models/${model}-int8:1`, status: 'ok', source: { ref: `models/${model}:1` } });
    const { report } = result;
    expect(report.evaluation.rows).toBe(heldOut.count);
    expect(report.after.bytes).toBeLessThan(report.before.bytes / 2.5);
    expect(report.agreement).toBeGreaterThanOrEqual(0.99);
    expect(report.gate).toMatchObject({ metric: 'accuracy', passed: true });
    expect(report.before.latency.batch64.medianUs).toBeGreaterThan(0);

    const source = await exported(`models/${model}:1`);
    const int8 = await exported(result.ref);
    expect(Object.values(await checkWithOnnx([int8]))).toEqual(['ok']);
    // Agreement recomputed here, from the files, on the held-out rows.
    const before = argmaxRows(await run(source));
    const after = argmaxRows(await run(int8));
    const same = before.filter((value, i) => value === after[i]).length / before.length;
    expect(same).toBeGreaterThanOrEqual(0.99);
    expect(same).toBeCloseTo(report.agreement, 10);

    const lineage = await json(['registry', 'lineage', result.ref]);
    expect(JSON.stringify(lineage.data)).toContain(`models/${model}:1`);
  });

  it('int8-static (QDQ and QOperator, minmax and percentile) keeps ≥99% of the classes and passes the checker', async () => {
    const paths: string[] = [];
    for (const args of [
      ['--format', 'qdq', '--calibration-method', 'minmax'],
      ['--format', 'qoperator', '--calibration-method', 'percentile', '--name', 'digits-mlp-qop'],
    ]) {
      const result = await compress(['models/digits-mlp:1', '--method', 'int8-static', ...args]);
      expect(result.report.agreement).toBeGreaterThanOrEqual(0.99);
      expect(result.report.details).toMatchObject({ calibration: { rows: 256 } });
      paths.push(await exported(result.ref));
    }
    const cnn = await compress(['models/digits-cnn:1', '--method', 'int8-static']);
    expect(cnn.report.agreement).toBeGreaterThanOrEqual(0.99);
    paths.push(await exported(cnn.ref));
    expect(Object.values(await checkWithOnnx(paths))).toEqual(paths.map(() => 'ok'));
  });

  it('fp16 (weights and full) stays within 1e-2 of float32 on every output', async () => {
    const source = await run(await exported('models/digits-cnn:1'));
    const paths: string[] = [];
    for (const mode of ['weights', 'full']) {
      const result = await compress(['models/digits-cnn:1', '--method', 'fp16', '--fp16-mode', mode, '--name', `digits-cnn-fp16-${mode}`]);
      expect(result.report.maxAbsDifference).toBeLessThanOrEqual(1e-2);
      expect(result.report.after.bytes).toBeLessThan(result.report.before.bytes * 0.6);
      const path = await exported(result.ref);
      paths.push(path);
      const outputs = await run(path);
      let max = 0;
      outputs.forEach((value, i) => (max = Math.max(max, Math.abs(value - source[i]!))));
      expect(max).toBeLessThanOrEqual(1e-2);
    }
    expect(Object.values(await checkWithOnnx(paths))).toEqual(['ok', 'ok']);
  });

  it('prune reaches 80% sparsity per layer, stores a ≥3× smaller model.onnx and loses at most a point', async () => {
    const result = await compress(['models/digits-mlp:1', '--method', 'prune', '--final-sparsity', '0.8']);
    const { report } = result;
    const layers = report.details.layers as Array<{ layer: string; sparsity: number }>;
    expect(layers.length).toBeGreaterThanOrEqual(3);
    for (const layer of layers) expect(layer.sparsity).toBeGreaterThanOrEqual(0.79);
    expect(report.ratios.bytes).toBeGreaterThanOrEqual(3);
    expect(report.after.nonzeroParameters).toBeLessThan(report.before.nonzeroParameters * 0.3);
    expect(report.gate.drop).toBeLessThanOrEqual(0.01);
    const path = await exported(result.ref);
    expect(Object.values(await checkWithOnnx([path]))).toEqual(['ok']);
  });

  it('distill trains a student with ≥4× fewer parameters that loses at most 1.5 points, stored with its tfjs files', async () => {
    const result = await compress(['models/digits-mlp:1', '--method', 'distill', '--student-layers', '32', '--max-accuracy-drop', '0.015']);
    const { report } = result;
    expect(report.ratios.parameters).toBeGreaterThanOrEqual(4);
    expect(report.gate.drop).toBeLessThanOrEqual(0.015);
    expect(result.status).toBe('ok');
    const shown = await json(['registry', 'show', result.ref]);
    const names = (shown.data.files as Array<{ name: string }>).map((file) => file.name);
    expect(names).toEqual(expect.arrayContaining(['model.onnx', 'tfjs/model.json', 'tfjs/weights.bin', 'train-spec.json', 'compression-report.json', 'compression-report.md']));
    expect(Object.values(await checkWithOnnx([await exported(result.ref)]))).toEqual(['ok']);
    // The student is a model like any trained one: it can be quantized in turn.
    const int8 = await compress([result.ref, '--method', 'int8', '--name', 'student-int8']);
    expect(int8.report.agreement).toBeGreaterThanOrEqual(0.97);
  });

  it('compresses a compressed model again on the same held-out rows, and prunes a regression model in its label units', async () => {
    const int8 = await compress(['models/digits-mlp:1', '--method', 'int8', '--name', 'chain-int8']);
    const fp16 = await compress([int8.ref, '--method', 'fp16', '--name', 'chain-fp16']);
    expect(fp16.report.evaluation).toEqual(int8.report.evaluation);
    expect(fp16.report.before.metrics.accuracy).toBe(int8.report.after.metrics.accuracy);
    expect((await mlship(['registry', 'get', fp16.ref, '--out', 'chain'])).exitCode).toBe(0);
    const rows = (file: string) => readFile(join(dir, file), 'utf8').then((text) => (JSON.parse(text) as { rows: number[] }).rows);
    expect(await rows('chain/predictions.json')).toEqual(await rows('mlp/predictions.json'));
    expectOneLineError(await mlship(['compress', int8.ref, '--method', 'prune']), 'MLSHIP_E_COMPRESS_OPTIONS', 2);

    const iris = join(REPO_ROOT, 'examples', 'iris', 'iris.csv');
    const trained = await json(['train', '--data', iris, '--label', 'petal_width', '--name', 'iris-width', '--seed', '3']);
    expect(trained.exitCode).toBe(0);
    const pruned = await compress(['models/iris-width:1', '--method', 'prune', '--final-sparsity', '0.5', '--max-accuracy-drop', '0.05']);
    expect(pruned.report.gate.metric).toBe('r2');
    expect(pruned.report.before.metrics.r2).toBeCloseTo(trained.data.metrics.r2, 3);
    expect(pruned.report.after.metrics.r2).toBeGreaterThan(pruned.report.before.metrics.r2! - 0.05);
  });

  it('a drop past --max-accuracy-drop stores the version marked failed, moves no alias and exits 1', async () => {
    const result = await json(['compress', 'models/digits-mlp:1', '--method', 'prune', '--final-sparsity', '0.99', '--epochs', '1', '--max-accuracy-drop', '0', '--promote', 'edge', '--name', 'too-sparse', '--latency-calls', '50']);
    expect(result.exitCode).toBe(1);
    expect(result.data).toMatchObject({ status: 'failed', promoted: null, ref: 'models/too-sparse:1' });
    expect(result.data.report.gate.passed).toBe(false);
    expect(result.data.report.gate.drop).toBeGreaterThan(0);
    const shown = await json(['registry', 'show', 'models/too-sparse:1']);
    expect(shown.data.metadata.status).toBe('failed');
    expectOneLineError(await mlship(['registry', 'show', 'models/too-sparse@edge']), 'MLSHIP_E_REF_NOT_FOUND', 2);
  });

  it('quantizes an imported ONNX model judged on --eval-data, and refuses what it cannot do with one line', async () => {
    const source = await exported('models/digits-mlp:1');
    const signature = JSON.parse(await readFile(source.replace(/\.onnx$/, '.signature.json'), 'utf8')) as { labels: string[] };
    expect((await mlship(['model', 'import', source, '--name', 'imported', '--label-names', signature.labels.join(',')])).exitCode).toBe(0);
    const test = join(dir, 'test.csv');
    const [header, ...lines] = (await readFile(digitsCsv, 'utf8')).trim().split(/\r?\n/);
    await writeFile(test, `${[header, ...lines.slice(0, 300)].join('\n')}\n`);
    const result = await compress(['models/imported:1', '--method', 'int8', '--eval-data', test, '--label', 'digit']);
    expect(result.report.evaluation.rows).toBe(300);
    expect(result.report.agreement).toBeGreaterThanOrEqual(0.99);

    expectOneLineError(await mlship(['compress', 'models/imported:1', '--method', 'int8']), 'MLSHIP_E_COMPRESS_DATA', 2);
    expectOneLineError(await mlship(['compress', 'models/imported:1', '--method', 'prune', '--eval-data', test, '--label', 'digit']), 'MLSHIP_E_COMPRESS_OPTIONS', 2);
    expectOneLineError(await mlship(['compress', 'models/imported:1', '--method', 'int8-static', '--eval-data', test, '--label', 'digit']), 'MLSHIP_E_COMPRESS_DATA', 2);
    expectOneLineError(await mlship(['compress', 'models/digits-mlp:1', '--method', 'zip']), 'MLSHIP_E_USAGE', 2);
    expectOneLineError(await mlship(['compress', 'models/digits-mlp:1', '--method', 'prune', '--final-sparsity', '1.5']), 'MLSHIP_E_USAGE', 2);
    expectOneLineError(await mlship(['compress', 'models/nope:1', '--method', 'int8']), 'MLSHIP_E_REF_NOT_FOUND', 2);
    expectOneLineError(await mlship(['compress', 'models/digits-mlp:1', '--method', 'int8', '--data', test]), 'MLSHIP_E_COMPRESS_DATA', 2);
    // Without class names a 10-output model is judged as regression: refused with a hint, not a crash.
    expect((await mlship(['model', 'import', source, '--name', 'unnamed'])).exitCode).toBe(0);
    expectOneLineError(await mlship(['compress', 'models/unnamed:1', '--method', 'int8', '--eval-data', test, '--label', 'digit']), 'MLSHIP_E_COMPRESS_DATA', 2);
    // A flag another method reads is named as having no effect.
    const ignored = await mlship(['compress', 'models/digits-mlp:1', '--method', 'fp16', '--epochs', '3', '--name', 'fp16-epochs', '--latency-calls', '50']);
    expect(ignored.exitCode).toBe(0);
    expect(ignored.stderr).toContain('--epochs has no effect with --method fp16');
  });
});
