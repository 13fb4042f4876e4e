import type { Command } from 'commander';
import { ExitCode, parseArtifactName } from '@mlship/core';
import type { CompressSettings } from '@mlship/compress';
import { collect, handle } from '../context.js';
import { keyValues, table } from '../render.js';
import { parseInteger, parseNumber, usage } from './parse-flags.js';
import { parseLabels } from './registry-put.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';

/** The methods `mlship compress` knows (the compress package's table; listed here so --help loads nothing). */
export const COMPRESS_METHOD_NAMES = ['int8', 'int8-static', 'fp16', 'prune', 'distill'] as const;

/** Method flags and the methods that read them: any other method is told the flag has no effect. */
const METHOD_FLAGS: Array<[keyof CompressFlags, string, ReadonlyArray<(typeof COMPRESS_METHOD_NAMES)[number]>]> = [
  ['calibration', '--calibration', ['int8-static']],
  ['percentile', '--percentile', ['int8-static']],
  ['calibrationRows', '--calibration-rows', ['int8-static']],
  ['initialSparsity', '--initial-sparsity', ['prune']],
  ['finalSparsity', '--final-sparsity', ['prune']],
  ['beginStep', '--begin-step', ['prune']],
  ['endStep', '--end-step', ['prune']],
  ['frequency', '--frequency', ['prune']],
  ['epochs', '--epochs', ['prune', 'distill']],
  ['learningRate', '--learning-rate', ['prune', 'distill']],
  ['backend', '--backend', ['prune', 'distill']],
  ['student', '--student', ['distill']],
  ['studentLayers', '--student-layers', ['distill']],
  ['temperature', '--temperature', ['distill']],
  ['alpha', '--alpha', ['distill']],
];

interface CompressFlags {
  method: string;
  name?: string;
  maxAccuracyDrop?: string;
  promote?: string;
  meta: string[];
  data?: string;
  evalData?: string;
  label?: string;
  perChannel: string;
  calibration?: string;
  calibrationMethod: string;
  percentile?: string;
  calibrationRows?: string;
  format: string;
  fp16Mode: string;
  initialSparsity?: string;
  finalSparsity?: string;
  beginStep?: string;
  endStep?: string;
  frequency?: string;
  epochs?: string;
  learningRate?: string;
  student?: string;
  studentLayers?: string;
  temperature?: string;
  alpha?: string;
  seed?: string;
  backend?: string;
  latencyCalls?: string;
}

function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw usage(`${flag} must be one of ${choices.join(', ')}, got "${value}"`, `e.g. ${flag} ${choices[0]}`);
  return value as T;
}

function parseLayers(value: string): number[] {
  const units = value.split(',').map((part) => Number(part.trim()));
  if (units.length === 0 || units.some((unit) => !Number.isInteger(unit) || unit < 1 || unit > 65536)) {
    throw usage(`--student-layers must be hidden layer sizes separated by commas, got "${value}"`, 'e.g. --student-layers 32 or --student-layers 64,32');
  }
  return units;
}

/** Flags to settings; only what was given, so the package's defaults apply to the rest. */
async function settingsOf(options: CompressFlags): Promise<Partial<CompressSettings>> {
  const settings: Partial<CompressSettings> = {
    perChannel: ({ auto: 'auto', on: true, off: false } as const)[oneOf('--per-channel', options.perChannel, ['auto', 'on', 'off'])],
    format: oneOf('--format', options.format, ['qdq', 'qoperator'] as const),
    calibrationMethod: oneOf('--calibration-method', options.calibrationMethod, ['minmax', 'percentile'] as const),
    fp16Mode: oneOf('--fp16-mode', options.fp16Mode, ['weights', 'full'] as const),
  };
  const seed = parseInteger('--seed', options.seed, 0, 4294967295);
  if (seed !== undefined) settings.seed = seed;
  const percentile = parseNumber('--percentile', options.percentile, 50, 100, '99.99');
  if (percentile !== undefined) settings.percentile = percentile;
  const epochs = parseInteger('--epochs', options.epochs, 1, 100000);
  if (epochs !== undefined) settings.epochs = epochs;
  const learningRate = parseNumber('--learning-rate', options.learningRate, 0, 10, '0.0005');
  if (learningRate !== undefined) settings.learningRate = learningRate;
  const temperature = parseNumber('--temperature', options.temperature, 0, 1000, '4');
  if (temperature !== undefined) settings.temperature = temperature;
  const alpha = parseNumber('--alpha', options.alpha, 0, 1, '0.1');
  if (alpha !== undefined) settings.alpha = alpha;
  const schedule: Partial<CompressSettings['schedule']> = {};
  const initialSparsity = parseNumber('--initial-sparsity', options.initialSparsity, 0, 1, '0');
  if (initialSparsity !== undefined) schedule.initialSparsity = initialSparsity;
  const finalSparsity = parseNumber('--final-sparsity', options.finalSparsity, 0, 1, '0.8');
  if (finalSparsity !== undefined) schedule.finalSparsity = finalSparsity;
  const beginStep = parseInteger('--begin-step', options.beginStep, 0, 1e9);
  if (beginStep !== undefined) schedule.beginStep = beginStep;
  const endStep = parseInteger('--end-step', options.endStep, 1, 1e9);
  if (endStep !== undefined) schedule.endStep = endStep;
  const frequency = parseInteger('--frequency', options.frequency, 1, 1e9);
  if (frequency !== undefined) schedule.frequency = frequency;
  if (Object.keys(schedule).length > 0) settings.schedule = schedule as CompressSettings['schedule'];
  if (options.student !== undefined && options.studentLayers !== undefined) throw usage('give --student or --student-layers, not both', 'e.g. --student-layers 32');
  if (options.studentLayers !== undefined) settings.student = { mlp: parseLayers(options.studentLayers) } as CompressSettings['student'];
  if (options.student !== undefined) {
    const { loadTrainSpec, requireTrainSpec } = await import('@mlship/train');
    const spec = requireTrainSpec(await loadTrainSpec(options.student), options.student);
    if (!spec.model) throw usage(`${options.student} has no model section`, 'give a train spec with model: {mlp: [32]} or model: {layers: [...]}');
    settings.student = spec.model as CompressSettings['student'];
  }
  return settings;
}

export function registerCompress(program: Command): void {
  program
    .command('compress')
    .description(TOP_LEVEL_COMMANDS.compress.description)
    .argument('<ref>', 'the model to compress, e.g. models/digits:1 or models/digits@production')
    .requiredOption('--method <method>', `${COMPRESS_METHOD_NAMES.join(', ')}`)
    .option('--name <name>', 'model name of the result (default: SOURCE-METHOD, e.g. digits-int8)')
    .option('--max-accuracy-drop <x>', 'largest allowed drop of accuracy (r2 for regression), absolute (default 0.01 = one point)')
    .option('--promote <alias>', 'move this alias to the new version when the gate passes')
    .option('--meta <key=value>', 'a label to record (repeatable)', collect, [])
    .option('--data <file-or-ref>', "the source's training data when it moved (its digest must match the recorded one)")
    .option('--eval-data <file-or-ref>', 'judge on this data instead of the held-out split (needed for imported ONNX models)')
    .option('--label <column>', 'label column of --eval-data (default: the one the model records)')
    .option('--per-channel <mode>', 'int8: auto (per output channel where it lowers the error), on or off', 'auto')
    .option('--calibration <file-or-ref>', 'int8-static: rows to calibrate on (default: a sample of the training rows)')
    .option('--calibration-method <m>', 'int8-static: minmax or percentile', 'minmax')
    .option('--percentile <p>', 'int8-static with percentile: each activation ranges over its p-th and (100 − p)-th percentiles (default 99.999)')
    .option('--calibration-rows <n>', 'int8-static: at most this many rows, a seeded sample (default 256)')
    .option('--format <f>', 'int8-static: qdq (QuantizeLinear/DequantizeLinear pairs) or qoperator (QLinearMatMul/QLinearConv)', 'qdq')
    .option('--fp16-mode <mode>', 'fp16: weights (float16 storage, float32 compute; for CPU) or full (float16 compute; for GPU)', 'weights')
    .option('--initial-sparsity <x>', 'prune: sparsity at --begin-step (default 0)')
    .option('--final-sparsity <x>', 'prune: sparsity reached at --end-step (default 0.8)')
    .option('--begin-step <n>', 'prune: first pruning step (default 0)')
    .option('--end-step <n>', 'prune: step at which the final sparsity is reached (default 70% of the fine-tuning steps)')
    .option('--frequency <n>', 'prune: steps between mask updates (default 10)')
    .option('--epochs <n>', 'prune: fine-tuning epochs (default 10); distill: student epochs (default: the teacher\'s)')
    .option('--learning-rate <x>', "prune, distill: learning rate (default: the teacher's)")
    .option('--student <spec>', 'distill: a train spec file whose model section is the student')
    .option('--student-layers <units>', 'distill: an MLP student with these hidden layers, e.g. 32 or 64,32 (default 32)')
    .option('--temperature <t>', 'distill: softmax temperature of the soft targets (default 4)')
    .option('--alpha <a>', "distill: weight of the true labels' loss; 1 − alpha goes to the soft targets, scaled by T² (default 0.1)")
    .option('--seed <n>', 'seed of calibration sampling, fine-tuning and the student (default 0)')
    .option('--backend <name>', 'prune, distill: tfjs backend, auto, tensorflow, wasm or cpu (default: the spec)')
    .option('--latency-calls <n>', 'calls per latency measurement at batch 1; batch 64 gets a quarter (default 1000)')
    .addHelpText(
      'after',
      `
Methods:
  int8         int8 weights of MatMul/Gemm/Conv, activations quantized at run time
  int8-static  int8 weights and activations, ranges calibrated on data (QDQ or QOperator)
  fp16         float16 weights (with casts for CPU), or the whole graph in float16 (--fp16-mode full)
  prune        magnitude pruning with fine-tuning on a polynomial-decay schedule; zeros are not stored
  distill      a smaller student trained on the teacher's soft targets and the true labels

Every run judges the result on the rows the source was judged on (its held-out split, or
--eval-data), measures both side by side (file size raw and gzip, parameters, metrics, ONNX Runtime
latency at batch 1 and 64 on one thread) and stores the result as the next models/NAME:N with the
source as its lineage parent, with compression-report.json and .md. When the accuracy drops by more
than --max-accuracy-drop, the version is stored marked failed, no alias moves, and the exit code is 1.
prune and distill need a model \`mlship train\` stored (its tfjs model and training data).

Examples:
  $ mlship compress models/digits:1 --method int8
  $ mlship compress models/digits:1 --method int8-static --calibration-method percentile --format qdq
  $ mlship compress models/digits:1 --method fp16 --fp16-mode full --name digits-gpu
  $ mlship compress models/digits:1 --method prune --final-sparsity 0.8 --epochs 10
  $ mlship compress models/digits:1 --method distill --student-layers 32 --temperature 4 --alpha 0.1
  $ mlship compress models/imported:1 --method int8 --eval-data test.csv --label digit --json`,
    )
    .action(
      handle<CompressFlags>(async (context, [ref], options) => {
        const method = oneOf('--method', options.method, COMPRESS_METHOD_NAMES);
        if (options.name !== undefined) {
          const { kind } = parseArtifactName(`models/${options.name}`);
          if (kind !== 'models') throw usage(`bad --name "${options.name}"`, 'give a bare name, e.g. --name digits-int8');
        }
        if (options.label !== undefined && options.evalData === undefined) throw usage('--label goes with --eval-data', 'e.g. --eval-data test.csv --label digit');
        const maxAccuracyDrop = parseNumber('--max-accuracy-drop', options.maxAccuracyDrop, 0, 1, '0.01');
        const calibrationRows = parseInteger('--calibration-rows', options.calibrationRows, 1, 1e7);
        const latencyCalls = parseInteger('--latency-calls', options.latencyCalls, 10, 1e7);
        const settings = await settingsOf(options);
        const labels = parseLabels(options.meta);
        const { reporter } = context;
        for (const [key, flag, methods] of METHOD_FLAGS) {
          if (options[key] !== undefined && !methods.includes(method)) reporter.warn(`${flag} has no effect with --method ${method} (it is for ${methods.join(', ')})`);
        }
        const registry = await context.registry();
        const compress = await import('@mlship/compress');
        const bar = reporter.progress('fine-tuning', 'items');
        try {
          const result = await compress.compressModel({
            registry,
            ref: ref!,
            method,
            settings,
            ...(options.name !== undefined ? { name: options.name } : {}),
            ...(maxAccuracyDrop !== undefined ? { maxAccuracyDrop } : {}),
            ...(options.promote !== undefined ? { promote: options.promote } : {}),
            ...(Object.keys(labels).length > 0 ? { labels } : {}),
            ...(options.data !== undefined ? { data: options.data } : {}),
            ...(options.evalData !== undefined ? { evalData: options.evalData } : {}),
            ...(options.label !== undefined ? { label: options.label } : {}),
            ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
            ...(calibrationRows !== undefined ? { calibrationRows } : {}),
            ...(latencyCalls !== undefined ? { latencyCalls } : {}),
            ...(options.backend !== undefined ? { backend: options.backend } : {}),
            onStage: (stage) => {
              if (stage !== 'compress') bar.stop();
              reporter.debug(`compress: ${stage}`);
            },
            onEpoch: (event) => {
              if (reporter.json) process.stderr.write(`${JSON.stringify({ event: 'epoch', ...event })}\n`);
              else bar.update(event.epoch, event.epochs);
            },
          });
          bar.stop();
          for (const warning of result.warnings) reporter.warn(warning);
          const { report } = result;
          const { color } = reporter;
          if (report.gate.nonFiniteOutputs > 0) reporter.warn(`${result.ref}: ${report.gate.nonFiniteOutputs} output values are NaN or infinite`);
          if (result.status === 'failed') {
            reporter.warn(
              `${result.ref}: ${report.gate.metric} dropped ${(report.gate.drop * 100).toFixed(2)} points (allowed ${(report.gate.maxDrop * 100).toFixed(2)}); stored with status failed${options.promote ? `, ${options.promote} not moved` : ''}`,
            );
          }
          const text = [
            `${result.ref} ${result.digest}`,
            keyValues([
              ['status', result.status === 'ok' ? color.green('ok') : color.red(`failed (${report.gate.metric} gate not met; stored, not promoted)`)],
              ['method', `${result.method} of ${result.source.ref}`],
              ['evaluated', report.evaluation.description],
              ['agreement', report.agreement === null ? undefined : `${(report.agreement * 100).toFixed(2)}% of predicted classes unchanged`],
              ...compress.reportHighlights(report),
              ['promoted', result.promoted ? `${result.promoted.alias} → ${result.promoted.ref}` : undefined],
            ]),
            '',
            table(['', 'before', 'after', 'change'], compress.reportRows(report)),
          ].join('\n');
          const data = {
            ref: result.ref,
            name: result.name,
            version: result.version,
            digest: result.digest,
            status: result.status,
            method: result.method,
            source: result.source,
            report,
            promoted: result.promoted,
            files: result.files,
            warnings: result.warnings,
          };
          return { data, text, exitCode: result.status === 'ok' ? ExitCode.ok : ExitCode.checkFailed };
        } finally {
          bar.stop();
        }
      }),
    );
}
