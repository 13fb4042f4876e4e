#!/usr/bin/env node
// Compression benchmark on the digits MLP and CNN: `mlship compress` against ONNX Runtime's own
// quantization tool, on the same source model.onnx, the same held-out rows and the same calibration rows.
//  - mlship: `mlship --json compress models/digits-X:1 --method M` for int8 (dynamic), int8-static
//    (QDQ with minmax and with percentile calibration, and QOperator), fp16 (weights), prune
//    (--final-sparsity 0.8) and distill (the default student, one hidden layer of 32 units, gated at
//    1.5 points); each report's gate and details are kept in the JSON output.
//  - ONNX Runtime 1.30 Python (bench/ort-quantize.py with --python): quantize_dynamic QInt8 per-tensor
//    and per-channel, quantize_static QDQ S8S8 MinMax and Percentile, and QOperator U8S8 MinMax.
// Static quantization on both sides calibrates on the same rows: the first --calibration-rows training
// rows (rows not held out) of examples/digits/digits.csv, given to mlship as --calibration FILE.
// Then every file (the fp32 source, mlship's and ORT's variants) is measured in this one Node process:
// bytes, gzip -9 bytes, parameters (packages/compress measureModelSize), accuracy and argmax agreement
// with fp32 on the source model's held-out rows (its predictions.json `rows` over digits.csv), and
// latency with packages/compress measureLatency (onnxruntime-node, 1 intra-op thread, batch 1 and 64,
// --repeats rounds alternated across all variants, fresh session each, medians).
// Models: trained with `bin/mlship train` (examples/digits/train.yaml, train-cnn.yaml) into a temp
// registry, or taken from --registry DIR (copied first: compress adds versions to the copy only).
// Without the compress command (or with --no-cli) only fp32 and ORT's variants are measured.
//
//   node bench/compress.mjs [--registry DIR] [--models mlp,cnn] [--repeats N] [--calls N]
//                           [--calibration-rows N] [--no-cli] [--python PATH] [--no-peer] [--json]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PEER_USAGE, exitReason, failWith, lastJsonLine, log, mlship, parsePeerArgs, root, round } from './lib/common.mjs';

const USAGE =
  'usage: node bench/compress.mjs [--registry DIR (default: train into a temp registry)] [--models mlp,cnn]\n' +
  '                               [--repeats N (default 3)] [--calls N (batch-1 calls per repeat, default 2000)]\n' +
  '                               [--calibration-rows N (default 256)] [--no-cli]\n' +
  PEER_USAGE;
const fail = failWith(USAGE);

// --registry, --models and --no-cli are this script's own; the rest goes to the shared parser.
const argv = process.argv.slice(2);
const own = { registry: undefined, models: ['mlp', 'cnn'], cli: true };
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--registry' || argv[i] === '--models') {
    const value = argv[i + 1];
    if (value === undefined) fail(`${argv[i]} needs a value`);
    if (argv[i] === '--registry') own.registry = resolve(value);
    else own.models = value.split(',').filter(Boolean);
    argv.splice(i--, 2);
  } else if (argv[i] === '--no-cli') {
    own.cli = false;
    argv.splice(i--, 1);
  }
}
if (own.models.some((m) => m !== 'mlp' && m !== 'cnn')) fail(`--models takes mlp and/or cnn, not ${own.models.join(',')}`);
const options = {
  ...parsePeerArgs(argv, {
    usage: USAGE,
    numbers: { repeats: { default: 3, min: 1 }, calls: { default: 2000, min: 4 }, 'calibration-rows': { default: 256, min: 1 } },
  }),
  ...own,
};

const DIGITS_CSV = join(root, 'examples', 'digits', 'digits.csv');
const SPECS = { mlp: join(root, 'examples', 'digits', 'train.yaml'), cnn: join(root, 'examples', 'digits', 'train-cnn.yaml') };
const MEASURE_DIST = join(root, 'packages', 'compress', 'dist', 'measure', 'index.js');
const ONNX_DIST = join(root, 'packages', 'onnx', 'dist', 'index.js');
for (const [path, hint] of [
  [MEASURE_DIST, 'run `pnpm run build`'],
  [ONNX_DIST, 'run `pnpm run build`'],
  ...(options.peer ? [[options.python, 'run `bash /work/shared/peers/setup_env.sh`']] : []),
]) {
  if (!existsSync(path)) fail(`${path} not found (${hint})`, 3);
}
const { measureLatency, measureModelSize } = await import(pathToFileURL(MEASURE_DIST).href);
const { runOnnxModel } = await import(pathToFileURL(ONNX_DIST).href);

const work = mkdtempSync(join(tmpdir(), 'mlship-bench-compress-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const registry = join(work, 'registry');

/** Runs the CLI against the bench registry; returns spawnSync's result (text) with `seconds`. */
function cli(args) {
  const [node, ...rest] = mlship('--registry', registry, ...args);
  const start = process.hrtime.bigint();
  const result = spawnSync(node, rest, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  return Object.assign(result, { seconds: Number(process.hrtime.bigint() - start) / 1e9 });
}
function cliOrFail(args) {
  const result = cli(args);
  if (result.error || result.status !== 0) fail(`mlship ${args.join(' ')} failed (${exitReason(result)}): ${(result.stderr ?? '').slice(-800)}`, 3);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Models: copied from --registry, or trained here.
// ---------------------------------------------------------------------------------------------
if (options.registry) {
  if (!existsSync(options.registry)) fail(`--registry ${options.registry} does not exist`);
  cpSync(options.registry, registry, { recursive: true });
} else {
  cliOrFail(['init']);
  for (const model of options.models) {
    log(`training digits-${model} with mlship …`);
    cliOrFail(['train', SPECS[model], '--data', DIGITS_CSV, '--name', `digits-${model}`]);
  }
}
const compressAvailable = options.cli && /Usage: mlship compress/.test(cli(['compress', '--help']).stdout ?? '');
if (options.cli && !compressAvailable) log('note: `mlship compress` is not available in this build; measuring fp32 and ONNX Runtime variants only');

// ---------------------------------------------------------------------------------------------
// Data: digits.csv rows as the models take them; held-out rows from predictions.json.
// ---------------------------------------------------------------------------------------------
const csvLines = readFileSync(DIGITS_CSV, 'utf8').trim().split(/\r?\n/);
const header = csvLines[0].split(',');
const dataLines = csvLines.slice(1);
const pixelColumns = header.map((name, i) => [name, i]).filter(([name]) => /^px\d+$/.test(name)).map(([, i]) => i);
const labelColumn = header.indexOf('digit');

/** The rows (indices into dataLines) as one Float32Array of pixels, in column order. */
function pixels(rows) {
  const data = new Float32Array(rows.length * pixelColumns.length);
  rows.forEach((row, r) => {
    const cells = dataLines[row].split(',');
    pixelColumns.forEach((column, j) => (data[r * pixelColumns.length + j] = Number(cells[column])));
  });
  return data;
}

/** A .npy file (format 1.0) of float32 `data` shaped `shape`. */
function npy(data, shape) {
  let text = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  text += `${' '.repeat((64 - ((10 + text.length + 1) % 64)) % 64)}\n`;
  const out = Buffer.alloc(10 + text.length + data.byteLength);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out.writeUInt16LE(text.length, 8);
  out.write(text, 10, 'latin1');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 10 + text.length);
  return out;
}

const argmaxRows = (data, width) =>
  Array.from({ length: data.length / width }, (_, r) => {
    let best = 0;
    for (let j = 1; j < width; j++) if (data[r * width + j] > data[r * width + best]) best = j;
    return best;
  });

/** Predicted class indices of `bytes` on `input`, or { error }. */
async function predict(bytes, input, outputName) {
  try {
    const outputs = await runOnnxModel({ bytes, threads: 1, feeds: { [input.name]: { data: input.rows, dims: [input.count, ...input.rowDims] } } });
    const output = outputs[outputName] ?? Object.values(outputs)[0];
    return { classes: argmaxRows(output.data, output.dims[1]) };
  } catch (error) {
    return { error: error.message.split('\n')[0].slice(0, 300) };
  }
}

// ---------------------------------------------------------------------------------------------
// Per model: compress with mlship, quantize with ORT, measure everything in this process.
// ---------------------------------------------------------------------------------------------
const results = {};
for (const model of options.models) {
  const ref = `models/digits-${model}:1`;
  const dir = join(work, model);
  cliOrFail(['registry', 'get', ref, '--out', join(dir, 'source')]);
  const signature = JSON.parse(readFileSync(join(dir, 'source', 'signature.json'), 'utf8'));
  const predictions = JSON.parse(readFileSync(join(dir, 'source', 'predictions.json'), 'utf8'));
  const sourceFile = join(dir, 'source', 'model.onnx');
  const sourceBytes = readFileSync(sourceFile);
  const inputSpec = signature.inputs[0];
  const rowDims = inputSpec.shape.slice(1);
  if (rowDims.reduce((a, b) => a * b, 1) !== pixelColumns.length) fail(`${ref} input ${JSON.stringify(inputSpec.shape)} does not take the ${pixelColumns.length} digits pixels`, 3);
  const labels = signature.labels;
  const heldOut = predictions.rows;
  const input = { name: inputSpec.name, rows: pixels(heldOut), rowDims, count: heldOut.length };
  const actual = heldOut.map((row) => labels.indexOf(dataLines[row].split(',')[labelColumn]));

  // calibration: the first N training rows, as a CSV for mlship and a .npy for ORT
  const held = new Set(heldOut);
  const calibrationRows = dataLines.map((_, row) => row).filter((row) => !held.has(row)).slice(0, options['calibration-rows']);
  const calibrationCsv = join(dir, 'calibration.csv');
  const calibrationNpy = join(dir, 'calibration.npy');
  writeFileSync(calibrationCsv, `${csvLines[0]}\n${calibrationRows.map((row) => dataLines[row]).join('\n')}\n`);
  writeFileSync(calibrationNpy, npy(pixels(calibrationRows), [calibrationRows.length, ...rowDims]));

  const variants = [{ id: 'fp32', tool: 'source', bytes: sourceBytes }];

  if (compressAvailable) {
    const calibration = ['--calibration', calibrationCsv, '--calibration-rows', String(calibrationRows.length)];
    const methods = [
      ['int8', ['--method', 'int8']],
      ['int8-static', ['--method', 'int8-static', '--calibration-method', 'minmax', ...calibration]],
      ['int8-static-percentile', ['--method', 'int8-static', '--calibration-method', 'percentile', ...calibration]],
      ['int8-static-qoperator', ['--method', 'int8-static', '--format', 'qoperator', '--calibration-method', 'minmax', ...calibration]],
      ['fp16', ['--method', 'fp16', '--fp16-mode', 'weights']],
      ['prune', ['--method', 'prune', '--final-sparsity', '0.8']],
      // the default student (one hidden layer of 32 units: 7.1× fewer parameters than the MLP, 5.7× than the CNN), judged against the 1.5-point goal
      ['distill', ['--method', 'distill', '--max-accuracy-drop', '0.015']],
    ];
    for (const [id, args] of methods) {
      const name = `digits-${model}-${id}`;
      log(`mlship compress ${ref} ${args.join(' ')} …`);
      // --data: the training data by path, so a copied registry works wherever the models were trained (digest-checked)
      const result = cli(['--json', 'compress', ref, ...args, '--name', name, '--data', DIGITS_CSV, '--latency-calls', '200']);
      let answer;
      try {
        answer = JSON.parse(result.stdout ?? ''); // --json prints one (indented) document
      } catch {
        answer = undefined;
      }
      if (!answer?.ref) {
        variants.push({ id: `mlship ${id}`, tool: 'mlship', error: `exit ${result.status}: ${(result.stderr ?? '').trim().split('\n').slice(-3).join(' ').slice(0, 300)}` });
        continue;
      }
      const out = join(dir, name);
      cliOrFail(['registry', 'get', answer.ref, '--out', out]);
      // The CLI's report, without the per-epoch history, goes into the JSON line.
      const details = Object.fromEntries(Object.entries(answer.report.details).filter(([key]) => key !== 'history'));
      const summary = { ref: answer.ref, status: answer.status, gate: answer.report.gate, details };
      variants.push({ id: `mlship ${id}`, tool: 'mlship', bytes: readFileSync(join(out, 'model.onnx')), seconds: result.seconds, report: summary });
    }
  }

  if (options.peer) {
    log(`ONNX Runtime quantization of ${ref} …`);
    const result = spawnSync(options.python, [join(root, 'bench', 'ort-quantize.py'), sourceFile, calibrationNpy, join(dir, 'ort')], { encoding: 'utf8' });
    if (result.error || result.status !== 0) fail(`bench/ort-quantize.py failed (${exitReason(result)}): ${(result.stderr ?? '').slice(-800)}`, 3);
    const ort = lastJsonLine(result.stdout);
    for (const v of ort.variants) {
      variants.push(v.error ? { id: v.name, tool: 'ort', settings: v.settings, error: v.error } : { id: v.name, tool: 'ort', settings: v.settings, bytes: readFileSync(v.path), seconds: v.quantizeS });
    }
  }

  // accuracy and agreement (a variant ONNX Runtime cannot run gets its error instead)
  const outputName = signature.outputs[0].name;
  for (const variant of variants.filter((v) => v.bytes)) {
    const { classes, error } = await predict(variant.bytes, input, outputName);
    if (error) variant.error = error;
    else variant.classes = classes;
  }
  const reference = variants[0].classes;
  if (!reference) fail(`the source ${ref} does not run: ${variants[0].error}`, 3);
  const runnable = variants.filter((v) => v.classes);
  log(`measuring ${runnable.length} variants of ${ref}: ${options.repeats} repeats × ${options.calls} batch-1 calls …`);
  const latency = await measureLatency(
    runnable.map((v) => ({ id: v.id, bytes: v.bytes })),
    input,
    { calls: options.calls, repeats: options.repeats },
  );

  const fp32Accuracy = reference.filter((c, i) => c === actual[i]).length / actual.length;
  const fp32Latency = latency.fp32;
  const rows = variants.map((v) => {
    if (!v.classes) return { variant: v.id, tool: v.tool, error: v.error, ...(v.report ? { report: v.report } : {}) };
    const size = measureModelSize(v.bytes);
    const accuracy = v.classes.filter((c, i) => c === actual[i]).length / actual.length;
    const { batch1, batch64 } = latency[v.id];
    return {
      variant: v.id,
      tool: v.tool,
      ...(v.settings ? { settings: v.settings } : {}),
      bytes: size.bytes,
      gzipBytes: size.gzipBytes,
      parameters: size.parameters,
      nonzeroParameters: size.nonzeroParameters,
      timesSmaller: round(sourceBytes.length / size.bytes, 3),
      gzipTimesSmaller: round(measureModelSize(sourceBytes).gzipBytes / size.gzipBytes, 3),
      accuracy: round(accuracy, 4),
      deltaPoints: round((accuracy - fp32Accuracy) * 100, 3),
      agreement: round(v.classes.filter((c, i) => c === reference[i]).length / reference.length, 4),
      b1Us: round(batch1.medianUs, 4),
      b1RowsPerS: Math.round(batch1.rowsPerSecond),
      b64Us: round(batch64.medianUs, 4),
      b64RowsPerS: Math.round(batch64.rowsPerSecond),
      b1SpeedUp: round(fp32Latency.batch1.medianUs / batch1.medianUs, 3),
      b64SpeedUp: round(fp32Latency.batch64.medianUs / batch64.medianUs, 3),
      ...(v.seconds !== undefined ? { makeS: round(v.seconds, 3) } : {}),
      ...(v.report ? { report: v.report } : {}),
    };
  });
  results[model] = { ref, heldOutRows: heldOut.length, calibrationRows: calibrationRows.length, variants: rows };
}

const report = {
  benchmark: 'compress',
  models: options.models,
  evaluation: 'held-out rows of each source model (predictions.json rows over examples/digits/digits.csv)',
  latency: `onnxruntime-node, 1 intra-op thread, batch 1: ${options.calls} calls, batch 64: ${Math.floor(options.calls / 4)} calls, median of ${options.repeats} alternated repeats`,
  mlshipCompress: compressAvailable ? 'measured' : options.cli ? 'not available in this build' : 'skipped (--no-cli)',
  results,
};
if (!options.json) {
  const columns = ['variant', 'bytes', '×smaller', 'gzip', 'accuracy', 'Δpts', 'agree', 'b1 µs', 'b64 µs', 'b64 speed-up'];
  const widths = [30, 8, 9, 7, 9, 7, 7, 8, 8, 12];
  const line = (cells) => cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join(' ');
  const out = [];
  for (const [model, result] of Object.entries(results)) {
    out.push(`\ndigits ${model} (${result.ref}; ${result.heldOutRows} held-out rows, ${result.calibrationRows} calibration rows)`);
    out.push(line(columns));
    for (const r of result.variants) {
      if (r.error) out.push(`${r.variant.padEnd(widths[0])} error: ${r.error}`);
      else out.push(line([r.variant, r.bytes, r.timesSmaller, r.gzipBytes, r.accuracy.toFixed(4), r.deltaPoints.toFixed(2), r.agreement.toFixed(4), r.b1Us.toFixed(1), r.b64Us.toFixed(1), `${r.b64SpeedUp.toFixed(2)}×`]));
    }
  }
  out.push(`\n${report.latency}; mlship compress: ${report.mlshipCompress}`);
  process.stdout.write(`${out.join('\n').trimStart()}\n`);
}
process.stdout.write(`${JSON.stringify(report)}\n`);
