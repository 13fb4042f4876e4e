#!/usr/bin/env node
// Training benchmark on digits: the PyTorch peer /work/shared/peers/bench_train.py (CPU, MLP
// 64-128-64-10 relu, Adam 1e-3, batch 64, 20 epochs, its samples/s over epochs 2..20 and its test
// accuracy) against mlship's training library (packages/train/dist, `trainModel`, what `mlship train`
// runs) training the same MLP on the same 1,438 training rows, on the wasm and on the cpu tfjs
// backends, plus the digits CNN (examples/digits/train-cnn.yaml) for a few epochs on each of
// --cnn-backends (default wasm,cpu; wasm trains Conv2D with the gradient kernels the library adds).
// Each training is a fresh process, alternated round by round (peer, MLP wasm, MLP cpu, CNN wasm,
// CNN cpu, ...).
// mlship's samples/s comes from the library's own epoch events (durationMs: the epoch's shuffle and
// model.fit, as `mlship train --json` reports them), over epochs 2..N like the peer's, so neither
// process start-up nor tfjs loading is in it. Test accuracy: the trained model on the peer's 359 test
// rows, through tfjs and through its ONNX export (onnxruntime-node).
// Goal: mlship's MLP samples/s (best backend, median) at least the peer's (median).
//
//   node bench/train-digits.mjs [--runs N] [--epochs N] [--cnn-epochs N] [--cnn-backends LIST]
//                               [--data-dir DIR] [--peers DIR] [--python PATH] [--no-peer] [--json]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DATA_DIR_USAGE,
  PEER_USAGE,
  exitReason,
  failWith,
  kibToMB,
  lastJsonLine,
  log,
  median,
  parsePeerArgs,
  peakRssKib,
  root,
  round,
  runTimed,
  TIME,
} from './lib/common.mjs';

const TRAIN_DIST = join(root, 'packages', 'train', 'dist', 'index.js');
const ONNX_DIST = join(root, 'packages', 'onnx', 'dist', 'index.js');
const DIGITS_CSV = join(root, 'examples', 'digits', 'digits.csv');
const MLP_SPEC = join(root, 'examples', 'digits', 'train.yaml');
const CNN_SPEC = join(root, 'examples', 'digits', 'train-cnn.yaml');
const LABEL = 'digit';
/** What the peer trains; the MLP spec is checked against it after resolution. */
const PEER_MODEL = { mlp: [128, 64], activation: 'relu', optimizer: 'adam', learningRate: 0.001, batchSize: 64 };

// ---------------------------------------------------------------------------------------------
// Child mode (`--child CONFIG_JSON`): one training in this process with the built library, one JSON
// line on stdout. The parent times nothing here but reads the library's epoch durations.
// ---------------------------------------------------------------------------------------------

const argmax = (values, row, width) => {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[row * width + j] > values[row * width + best]) best = j;
  return best;
};

async function child({ model: which, backend, epochs, train, test }) {
  const lib = await import(pathToFileURL(TRAIN_DIST).href);
  const onnx = await import(pathToFileURL(ONNX_DIST).href);
  const specFile = which === 'cnn' ? CNN_SPEC : MLP_SPEC;
  const checked = lib.requireTrainSpec(await lib.loadTrainSpec(specFile), specFile);
  // Same rows as the peer: no validation split, no early stopping, a fixed number of epochs.
  const spec = { ...checked, epochs, backend, validation: { split: 0 }, earlyStopping: false };
  const out = { model: which, backend, spec: specFile.slice(root.length + 1) };
  let result;
  try {
    result = await lib.trainModel({ data: train, spec });
  } catch (error) {
    out.error = { code: error.code ?? null, message: error.message, hint: error.hint ?? null };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const tf = await lib.loadTfjs();
  const { model, history, classes: labels } = result;
  // The test rows encoded with the preprocessing fitted on the training rows (prepareData fits it
  // again on the same rows: deterministic, checked equal below).
  const prepared = lib.prepareData({ table: await lib.loadTable(train), spec: { ...result.spec, validation: { data: test } }, validationTable: await lib.loadTable(test) });
  const part = prepared.validation;
  const classes = labels.length;
  const input = tf.tensor(part.x, [part.count, ...result.inputShape], 'float32');
  const output = model.predict(input);
  const probabilities = await output.data();
  tf.dispose([input, output]);
  let correct = 0;
  for (let r = 0; r < part.count; r++) if (argmax(probabilities, r, classes) === part.labels[r]) correct++;
  // The ONNX export, as `mlship train` stores it, on raw pixels.
  const exported = onnx.exportLayersModel({ model, preprocessing: result.preprocessing, classes: labels });
  const [inputInfo] = exported.signature.inputs;
  const dims = inputInfo.shape.map((d) => (typeof d === 'number' ? d : part.count));
  const outputs = await onnx.runOnnxModel({ bytes: exported.bytes, feeds: { [inputInfo.name]: { data: part.raw, dims } } });
  const onnxOut = outputs[exported.signature.outputs[0].name].data;
  let onnxCorrect = 0;
  let maxAbsDiff = 0;
  for (let r = 0; r < part.count; r++) if (argmax(onnxOut, r, classes) === part.labels[r]) onnxCorrect++;
  for (let i = 0; i < onnxOut.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(onnxOut[i] - probabilities[i]));
  const s = result.spec;
  Object.assign(out, {
    backendChosen: result.backend,
    resolved: {
      model: s.model,
      activation: s.model.activation,
      optimizer: s.optimizer,
      batchSize: s.batchSize,
      epochs: s.epochs,
      loss: s.loss,
      preprocessing: s.preprocessing.image ?? s.preprocessing.numeric,
      earlyStopping: s.earlyStopping,
      validation: s.validation,
    },
    layers: model.layers.map((l) => `${l.getClassName()}${l.getConfig().units ? `(${l.getConfig().units}${l.getConfig().activation ? `,${l.getConfig().activation}` : ''})` : ''}`),
    params: model.countParams(),
    trainRows: result.split.train,
    testRows: part.count,
    epochMs: history.map((h) => h.durationMs),
    losses: history.map((h) => h.loss),
    finalTrainLoss: history.at(-1).loss,
    weightsDigest: await lib.weightsDigest(model),
    testAccuracy: correct / part.count,
    onnxTestAccuracy: onnxCorrect / part.count,
    onnxMaxAbsDiff: maxAbsDiff,
    sameTestPreprocessing: JSON.stringify(prepared.preprocessing) === JSON.stringify(result.preprocessing),
    durations: result.durations,
    tfjs: result.versions['tfjs-core'] ?? result.versions.tfjs ?? null,
  });
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.argv[2] === '--child') {
  await child(JSON.parse(process.argv[3]));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Parent: data, rounds, summary.
// ---------------------------------------------------------------------------------------------

const GOAL_RATIO = 1;
const USAGE =
  'usage: node bench/train-digits.mjs [--runs N (default 3)] [--epochs N (default 20)]\n' +
  '         [--cnn-epochs N (default 3; 0 leaves the CNN out)] [--cnn-backends LIST (default wasm,cpu)]\n' +
  `         ${DATA_DIR_USAGE}\n${PEER_USAGE}`;
const fail = failWith(USAGE);
const CNN_BACKENDS = ['wasm', 'cpu'];
// --cnn-backends is this script's own option; the rest go to parsePeerArgs.
const argv = process.argv.slice(2);
let cnnBackends = CNN_BACKENDS;
const cnnBackendsAt = argv.indexOf('--cnn-backends');
if (cnnBackendsAt >= 0) {
  const value = argv[cnnBackendsAt + 1];
  cnnBackends = value === undefined ? [] : value.split(',').filter(Boolean);
  if (cnnBackends.length === 0 || cnnBackends.some((b) => !CNN_BACKENDS.includes(b)) || new Set(cnnBackends).size !== cnnBackends.length) {
    fail(`--cnn-backends needs a comma-separated list of ${CNN_BACKENDS.join(', ')}`);
  }
  argv.splice(cnnBackendsAt, 2);
}
const options = parsePeerArgs(argv, {
  usage: USAGE,
  numbers: { runs: { default: 3, min: 1 }, epochs: { default: 20, min: 2 }, 'cnn-epochs': { default: 3, min: 0 } },
});
const cnnEpochs = options['cnn-epochs'];
if (cnnEpochs === 1) fail('--cnn-epochs needs 0 or at least 2 (epoch 1 is left out of samples/s)');
const peerScript = join(options.peers, 'bench_train.py');
const splitFile = join(options.peers, 'artifacts', 'digits_split_seed0.json');
for (const [path, hint] of [
  [TRAIN_DIST, 'run `pnpm run build`'],
  [ONNX_DIST, 'run `pnpm run build`'],
  [TIME, 'GNU time is needed for peak RSS'],
  [DIGITS_CSV, 'the digits example is missing'],
  [splitFile, 'pass --peers DIR; the peer writes it on its first run'],
  ...(options.peer
    ? [
        [peerScript, 'pass --peers DIR'],
        [options.python, 'run `bash /work/shared/peers/setup_env.sh`'],
      ]
    : []),
]) {
  if (!existsSync(path)) fail(`${path} not found (${hint})`, 3);
}

// ---- data (untimed): the peer's split of digits.csv as two CSVs ----
const dataDir = join(options.dataDir, 'train-digits');
mkdirSync(dataDir, { recursive: true });
const trainCsv = join(dataDir, 'digits_train_seed0.csv');
const testCsv = join(dataDir, 'digits_test_seed0.csv');
const rssFile = join(dataDir, 'rss.txt');
const reportFile = join(dataDir, 'train-digits-report.json');
const split = JSON.parse(readFileSync(splitFile, 'utf8'));
const [header, ...dataLines] = readFileSync(DIGITS_CSV, 'utf8').trim().split(/\r?\n/);
const columns = header.split(',');
if (columns.length !== 65 || columns.at(-1) !== LABEL || !columns.slice(0, 64).every((c, i) => c === `px${i}`)) {
  fail(`${DIGITS_CSV}: expected columns px0..px63,${LABEL}, found ${columns.slice(0, 3).join(',')},…,${columns.at(-1)} (${columns.length})`, 3);
}
const allIdx = [...split.train_idx_in_order, ...split.test_idx];
if (dataLines.length !== allIdx.length || new Set(allIdx).size !== dataLines.length || allIdx.some((i) => !(i >= 0 && i < dataLines.length))) {
  fail(`${splitFile} does not split the ${dataLines.length} rows of ${DIGITS_CSV} (train ${split.train_idx_in_order.length}, test ${split.test_idx.length})`, 3);
}
const writeRows = (file, idx) => writeFileSync(file, `${[header, ...idx.map((i) => dataLines[i])].join('\n')}\n`);
writeRows(trainCsv, split.train_idx_in_order);
writeRows(testCsv, split.test_idx);
const nTrain = split.train_idx_in_order.length;
const nTest = split.test_idx.length;
log(`split ${splitFile}: ${nTrain} train rows -> ${trainCsv}, ${nTest} test rows -> ${testCsv}`);

const childArgv = (config) => [process.execPath, join(root, 'bench', 'train-digits.mjs'), '--child', JSON.stringify({ ...config, train: trainCsv, test: testCsv })];

/** Runs argv under /usr/bin/time; fails (exit 3) unless it exits 0 with a JSON line. */
function measure(name, argv) {
  const result = runTimed(argv, { rssFile });
  if (result.error || result.status !== 0) fail(`${name} failed (${exitReason(result)}): ${result.stderr?.trim().slice(-2000) ?? ''}`, 3);
  return { out: lastJsonLine(result.stdout), seconds: result.seconds, rssKib: peakRssKib(rssFile) };
}

/** samples/s over epochs 2..N, and the median steady epoch in ms. */
const steady = (epochMs, rows) => {
  const rest = epochMs.slice(1);
  const total = rest.reduce((a, b) => a + b, 0) / 1000;
  return { samplesPerS: (rows * rest.length) / total, epochMs: median(rest), firstEpochMs: epochMs[0] };
};

const cnnKey = (backend) => `cnn${backend[0].toUpperCase()}${backend.slice(1)}`;
const steps = [
  ...(options.peer
    ? [{ key: 'peer', name: 'PyTorch peer (slice loader)', argv: [options.python, peerScript, '--once', '--thread', 'default', '--loader', 'slice', '--epochs', String(options.epochs)] }]
    : []),
  { key: 'mlpWasm', name: 'mlship MLP wasm', argv: childArgv({ model: 'mlp', backend: 'wasm', epochs: options.epochs }) },
  { key: 'mlpCpu', name: 'mlship MLP cpu', argv: childArgv({ model: 'mlp', backend: 'cpu', epochs: options.epochs }) },
  ...(cnnEpochs > 0
    ? cnnBackends.map((backend) => ({ key: cnnKey(backend), backend, name: `mlship CNN ${backend} (${cnnEpochs} epochs)`, argv: childArgv({ model: 'cnn', backend, epochs: cnnEpochs }) }))
    : []),
];
const samples = Object.fromEntries(steps.map((s) => [s.key, []]));
for (let r = 1; r <= options.runs; r++) {
  // Alternated round by round, so swings in machine speed hit every step.
  for (const step of steps) {
    const { out, seconds, rssKib } = measure(step.name, step.argv);
    let sample;
    if (step.key === 'peer') {
      if (out.n_train !== nTrain || out.n_test !== nTest) fail(`the peer used ${out.n_train}/${out.n_test} rows, the split file has ${nTrain}/${nTest}`, 3);
      sample = {
        samplesPerS: out.samples_per_s,
        epochMs: (1000 * out.steady_s) / (out.epochs - 1),
        firstEpochMs: 1000 * out.first_epoch_s,
        testAccuracy: out.test_acc,
        finalTrainLoss: out.final_train_loss,
        threads: out.torch_threads,
        importS: out.torch_import_s,
      };
    } else {
      if (out.error) fail(`${step.name}: ${out.error.code}: ${out.error.message}`, 3);
      if (out.trainRows !== nTrain || out.testRows !== nTest) fail(`${step.name} trained on ${out.trainRows} and tested on ${out.testRows} rows, expected ${nTrain}/${nTest}`, 3);
      if (!out.sameTestPreprocessing) fail(`${step.name}: the test rows were encoded with other preprocessing than training fitted`, 3);
      sample = { ...steady(out.epochMs, out.trainRows), testAccuracy: out.testAccuracy, onnxTestAccuracy: out.onnxTestAccuracy, onnxMaxAbsDiff: out.onnxMaxAbsDiff, finalTrainLoss: out.finalTrainLoss, out };
    }
    Object.assign(sample, { seconds, rssKib });
    samples[step.key].push(sample);
    log(
      `run ${r}/${options.runs} ${step.name.padEnd(30)} ${Math.round(sample.samplesPerS).toString().padStart(7)} samples/s  epoch ${sample.epochMs.toFixed(1).padStart(7)} ms` +
        `  test acc ${sample.testAccuracy.toFixed(4)}  process ${seconds.toFixed(2).padStart(6)} s  RSS ${kibToMB(rssKib).toFixed(0).padStart(4)} MB`,
    );
  }
}

// ---- checks on what mlship trained ----
for (const step of steps.filter((s) => s.key !== 'peer')) {
  const first = samples[step.key][0].out;
  const wanted = step.backend ?? (step.key === 'mlpWasm' ? 'wasm' : 'cpu');
  if (first.backendChosen.name !== wanted) fail(`${step.name} ran on ${first.backendChosen.name}, not ${wanted}`, 3);
}
const mlp = samples.mlpWasm[0].out.resolved;
const mlpMatches =
  JSON.stringify(mlp.model.mlp) === JSON.stringify(PEER_MODEL.mlp) &&
  mlp.activation === PEER_MODEL.activation &&
  mlp.optimizer.name === PEER_MODEL.optimizer &&
  mlp.optimizer.learningRate === PEER_MODEL.learningRate &&
  mlp.batchSize === PEER_MODEL.batchSize &&
  mlp.epochs === options.epochs &&
  mlp.earlyStopping === null;
if (!mlpMatches) fail(`${MLP_SPEC} no longer describes the peer's MLP: ${JSON.stringify(mlp)}`, 3);

// ---- summary ----
const summarize = (key, label) => {
  const list = samples[key];
  const sps = list.map((s) => s.samplesPerS);
  const accs = list.map((s) => s.testAccuracy);
  const row = {
    step: label,
    samplesPerSMedian: Math.round(median(sps)),
    samplesPerSMin: Math.round(Math.min(...sps)),
    samplesPerSMax: Math.round(Math.max(...sps)),
    steadyEpochMsMedian: round(median(list.map((s) => s.epochMs))),
    firstEpochMsMedian: round(median(list.map((s) => s.firstEpochMs))),
    processSMedian: round(median(list.map((s) => s.seconds))),
    peakRssMB: round(kibToMB(Math.max(...list.map((s) => s.rssKib)))),
    testAccuracy: round(median(accs)),
    testAccuracyRuns: accs.map((a) => round(a)),
    finalTrainLoss: round(median(list.map((s) => s.finalTrainLoss))),
  };
  if (key !== 'peer') {
    const o = list[0].out;
    Object.assign(row, {
      onnxTestAccuracy: round(median(list.map((s) => s.onnxTestAccuracy))),
      onnxMaxAbsDiff: round(Math.max(...list.map((s) => s.onnxMaxAbsDiff)), 3),
      weightsDigest: o.weightsDigest,
      sameWeightsEveryRun: list.every((s) => s.out.weightsDigest === o.weightsDigest),
      layers: o.layers,
      params: o.params,
      backendReason: o.backendChosen.reason,
      tfjsLoadAndSetupMsMedian: round(median(list.map((s) => s.out.durations.loadMs + s.out.durations.prepareMs + s.out.durations.backendMs))),
    });
  } else {
    Object.assign(row, { torchThreads: list[0].threads, torchImportSMedian: round(median(list.map((s) => s.importS))) });
  }
  return row;
};
const timing = {};
if (options.peer) timing.peer = summarize('peer', `PyTorch CPU (slice, ${samples.peer[0].threads} threads)`);
timing.mlpWasm = summarize('mlpWasm', 'mlship MLP wasm');
timing.mlpCpu = summarize('mlpCpu', 'mlship MLP cpu');
if (cnnEpochs > 0) for (const backend of cnnBackends) timing[cnnKey(backend)] = summarize(cnnKey(backend), `mlship CNN ${backend} (${cnnEpochs} epochs)`);
const cnnSpeedup =
  timing.cnnWasm && timing.cnnCpu
    ? { wasmSamplesPerSMedian: timing.cnnWasm.samplesPerSMedian, cpuSamplesPerSMedian: timing.cnnCpu.samplesPerSMedian, ratioMedian: round(timing.cnnWasm.samplesPerSMedian / timing.cnnCpu.samplesPerSMedian, 1) }
    : null;
const best = timing.mlpWasm.samplesPerSMedian >= timing.mlpCpu.samplesPerSMedian ? 'mlpWasm' : 'mlpCpu';
const goal = options.peer
  ? {
      bestBackend: best === 'mlpWasm' ? 'wasm' : 'cpu',
      mlshipSamplesPerSMedian: timing[best].samplesPerSMedian,
      peerSamplesPerSMedian: timing.peer.samplesPerSMedian,
      ratioMedian: round(timing[best].samplesPerSMedian / timing.peer.samplesPerSMedian, 3),
      ratioBest: round(timing[best].samplesPerSMax / timing.peer.samplesPerSMax, 3),
      minRatio: GOAL_RATIO,
      met: timing[best].samplesPerSMedian >= GOAL_RATIO * timing.peer.samplesPerSMedian,
    }
  : null;

const mlpOut = samples.mlpWasm[0].out;
const report = {
  benchmark: 'train-digits',
  node: process.version,
  tfjs: mlpOut.tfjs,
  runs: options.runs,
  epochs: options.epochs,
  cnnEpochs,
  cnnBackends: cnnEpochs > 0 ? cnnBackends : [],
  data: { csv: DIGITS_CSV.slice(root.length + 1), split: splitFile, train: nTrain, test: nTest, trainCsv, testCsv },
  model: { spec: mlpOut.spec, layers: mlpOut.layers, params: mlpOut.params, preprocessing: mlpOut.resolved.preprocessing, optimizer: mlpOut.resolved.optimizer, batchSize: mlpOut.resolved.batchSize },
  timing,
  cnnSpeedup,
  goal,
};
writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);

if (!options.json) {
  const fmt = (v, w = 9) => (v === undefined || v === null ? '' : String(v)).padStart(w);
  const lines = [
    `Node ${process.version}, tfjs ${report.tfjs}; digits ${nTrain} train / ${nTest} test rows (peer split, seed 0); MLP 64-128-64-10 relu, adam 1e-3, batch 64, ${options.epochs} epochs; ${options.runs} rounds alternated`,
    `samples/s over epochs 2..N (library epoch events; PyTorch: its own timer); test accuracy on the ${nTest} test rows`,
    `${'step'.padEnd(34)} ${fmt('sps med')} ${fmt('sps min')} ${fmt('sps max')} ${fmt('epoch ms')} ${fmt('1st ms')} ${fmt('proc s')} ${fmt('RSS MB', 7)} ${fmt('test acc')} ${fmt('onnx acc')}`,
    ...Object.values(timing).map(
      (t) =>
        `${t.step.padEnd(34)} ${fmt(t.samplesPerSMedian)} ${fmt(t.samplesPerSMin)} ${fmt(t.samplesPerSMax)} ${fmt(t.steadyEpochMsMedian)} ${fmt(t.firstEpochMsMedian)} ${fmt(t.processSMedian)} ${fmt(t.peakRssMB, 7)} ${fmt(t.testAccuracy)} ${fmt(t.onnxTestAccuracy)}`,
    ),
  ];
  if (cnnSpeedup) lines.push(`mlship CNN: wasm ${cnnSpeedup.wasmSamplesPerSMedian} samples/s vs cpu ${cnnSpeedup.cpuSamplesPerSMedian} (median): ${cnnSpeedup.ratioMedian}x`);
  lines.push(
    `mlship preprocessing: pixels standardised by the training pixels' mean/std (the peer divides by 16); same weights every run: wasm ${timing.mlpWasm.sameWeightsEveryRun}, cpu ${timing.mlpCpu.sameWeightsEveryRun}`,
  );
  if (goal) {
    lines.push(
      `goal: mlship MLP samples/s (best backend: ${goal.bestBackend}, median ${goal.mlshipSamplesPerSMedian}) >= PyTorch's (median ${goal.peerSamplesPerSMedian}): ${goal.met ? 'met' : 'NOT met'}` +
        ` (ratio ${goal.ratioMedian} median, ${goal.ratioBest} best)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
process.stdout.write(`${JSON.stringify(report)}\n`);
