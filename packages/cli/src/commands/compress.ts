import type { Command } from 'commander';
import { defineFlags, ExitCode, flagName, numberFlag, oneOf, usageError, type FlagValues } from '@mlship/core';
import type { CompressSettings } from '@mlship/compress';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { keyValues, table } from '../render.js';
import { ALLOW_FAILED_FLAG, artifactName, META_FLAG, NEW_VERSION_FLAG } from './shared-flags.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';

/** The methods `mlship compress` knows (the compress package's table; listed here so --help loads nothing). */
export const COMPRESS_METHOD_NAMES = ['int8', 'int8-static', 'fp16', 'prune', 'distill'] as const;
type MethodName = (typeof COMPRESS_METHOD_NAMES)[number];

function parseLayers(value: string): number[] {
  const units = value.split(',').map((part) => Number(part.trim()));
  if (units.length === 0 || units.some((unit) => !Number.isInteger(unit) || unit < 1 || unit > 65536)) {
    throw usageError(`--student-layers must be hidden layer sizes separated by commas, got "${value}"`, 'e.g. --student-layers 32 or --student-layers 64,32');
  }
  return units;
}

/**
 * Where a value goes: `compressModel`'s options (no `to`), its `settings`, the prune `schedule` in them,
 * or the student (read in the action). `methods`: the methods that read the flag; any other is told
 * the flag has no effect.
 */
const compressFlags = () =>
  defineFlags({
    method: { flag: '--method <method>', description: `${COMPRESS_METHOD_NAMES.join(', ')}`, required: true, parse: oneOf(COMPRESS_METHOD_NAMES) },
    name: { flag: '--name <name>', description: 'model name of the result (default: SOURCE-METHOD, e.g. digits-int8)', parse: artifactName('models', 'digits-int8') },
    maxAccuracyDrop: {
      flag: '--max-accuracy-drop <x>',
      description: 'largest allowed drop of accuracy (r2 for regression), absolute (default 0.01 = one point)',
      parse: numberFlag({ min: 0, max: 1, example: '0.01' }),
    },
    promote: { flag: '--promote <alias>', description: 'move this alias to the new version when the gate passes' },
    metadataLabels: META_FLAG,
    data: { flag: '--data <file-or-ref>', description: "the source's training data when it moved (its digest must match the recorded one)" },
    evalData: { flag: '--eval-data <file-or-ref>', description: 'judge on this data instead of the held-out split (needed for imported ONNX models)' },
    label: { flag: '--label <column>', description: 'label column of --eval-data (default: the one the model records)' },
    perChannel: {
      flag: '--per-channel <mode>',
      description: 'int8: auto (per output channel where it lowers the error), on or off',
      default: 'auto',
      parse: (value: string, flag: string) => ({ auto: 'auto', on: true, off: false } as const)[oneOf(['auto', 'on', 'off'])(value, flag)],
      to: 'settings',
    },
    calibration: {
      flag: '--calibration <file-or-ref>',
      description: 'int8-static: rows to calibrate on (default: a sample of the training rows)',
      methods: ['int8-static'],
    },
    calibrationMethod: {
      flag: '--calibration-method <m>',
      description: 'int8-static: minmax or percentile',
      default: 'minmax',
      parse: oneOf(['minmax', 'percentile']),
      to: 'settings',
    },
    percentile: {
      flag: '--percentile <p>',
      description: 'int8-static with percentile: each activation ranges over its p-th and (100 − p)-th percentiles (default 99.999)',
      parse: numberFlag({ min: 50, max: 100, example: '99.99' }),
      to: 'settings',
      methods: ['int8-static'],
    },
    calibrationRows: {
      flag: '--calibration-rows <n>',
      description: 'int8-static: at most this many rows, a seeded sample (default 256)',
      parse: numberFlag({ integer: true, min: 1, max: 1e7, example: 20 }),
      methods: ['int8-static'],
    },
    format: {
      flag: '--format <f>',
      description: 'int8-static: qdq (QuantizeLinear/DequantizeLinear pairs) or qoperator (QLinearMatMul/QLinearConv)',
      default: 'qdq',
      parse: oneOf(['qdq', 'qoperator']),
      to: 'settings',
    },
    fp16Mode: {
      flag: '--fp16-mode <mode>',
      description: 'fp16: weights (float16 storage, float32 compute; for CPU) or full (float16 compute; for GPU)',
      default: 'weights',
      parse: oneOf(['weights', 'full']),
      to: 'settings',
    },
    initialSparsity: {
      flag: '--initial-sparsity <x>',
      description: 'prune: sparsity at --begin-step (default 0)',
      parse: numberFlag({ min: 0, max: 1, example: '0' }),
      to: 'schedule',
      methods: ['prune'],
    },
    finalSparsity: {
      flag: '--final-sparsity <x>',
      description: 'prune: sparsity reached at --end-step (default 0.8)',
      parse: numberFlag({ min: 0, max: 1, example: '0.8' }),
      to: 'schedule',
      methods: ['prune'],
    },
    beginStep: {
      flag: '--begin-step <n>',
      description: 'prune: first pruning step (default 0)',
      parse: numberFlag({ integer: true, min: 0, max: 1e9, example: 42 }),
      to: 'schedule',
      methods: ['prune'],
    },
    endStep: {
      flag: '--end-step <n>',
      description: 'prune: step at which the final sparsity is reached (default 70% of the fine-tuning steps)',
      parse: numberFlag({ integer: true, min: 1, max: 1e9, example: 20 }),
      to: 'schedule',
      methods: ['prune'],
    },
    frequency: {
      flag: '--frequency <n>',
      description: 'prune: steps between mask updates (default 10)',
      parse: numberFlag({ integer: true, min: 1, max: 1e9, example: 20 }),
      to: 'schedule',
      methods: ['prune'],
    },
    epochs: {
      flag: '--epochs <n>',
      description: "prune: fine-tuning epochs (default 10); distill: student epochs (default: the teacher's)",
      parse: numberFlag({ integer: true, min: 1, max: 100000, example: 20 }),
      to: 'settings',
      methods: ['prune', 'distill'],
    },
    learningRate: {
      flag: '--learning-rate <x>',
      description: "prune, distill: learning rate (default: the teacher's)",
      parse: numberFlag({ min: 0, max: 10, example: '0.0005' }),
      to: 'settings',
      methods: ['prune', 'distill'],
    },
    student: { flag: '--student <spec>', description: 'distill: a train spec file whose model section is the student', to: 'student', methods: ['distill'] },
    studentLayers: {
      flag: '--student-layers <units>',
      description: 'distill: an MLP student with these hidden layers, e.g. 32 or 64,32 (default 32)',
      parse: parseLayers,
      to: 'student',
      methods: ['distill'],
    },
    temperature: {
      flag: '--temperature <t>',
      description: 'distill: softmax temperature of the soft targets (default 4)',
      parse: numberFlag({ min: 0, max: 1000, example: '4' }),
      to: 'settings',
      methods: ['distill'],
    },
    alpha: {
      flag: '--alpha <a>',
      description: "distill: weight of the true labels' loss; 1 − alpha goes to the soft targets, scaled by T² (default 0.1)",
      parse: numberFlag({ min: 0, max: 1, example: '0.1' }),
      to: 'settings',
      methods: ['distill'],
    },
    seed: {
      flag: '--seed <n>',
      description: 'seed of calibration sampling, fine-tuning and the student (default 0)',
      parse: numberFlag({ integer: true, min: 0, max: 4294967295, example: 42 }),
      to: 'settings',
    },
    backend: { flag: '--backend <name>', description: 'prune, distill: tfjs backend, auto, tensorflow, wasm or cpu (default: the spec)', methods: ['prune', 'distill'] },
    latencyCalls: {
      flag: '--latency-calls <n>',
      description: 'calls per latency measurement at batch 1; batch 64 gets a quarter (default 1000)',
      parse: numberFlag({ integer: true, min: 10, max: 1e7, example: 20 }),
    },
    allowFailed: ALLOW_FAILED_FLAG,
    newVersion: NEW_VERSION_FLAG,
  });

type CompressFlags = ReturnType<typeof compressFlags>;
type CompressValues = FlagValues<CompressFlags>;
type Destination = 'settings' | 'schedule' | 'student';
type KeysTo<D> = { [K in keyof CompressFlags]: CompressFlags[K] extends { to: D } ? K : never }[keyof CompressFlags];
type OptionKeys = { [K in keyof CompressFlags]: CompressFlags[K] extends { to: Destination } ? never : K }[keyof CompressFlags];

/** The given values of the flags that go to `to` (`undefined`: compressModel's own options). */
function valuesTo<D extends Destination | undefined>(flags: CompressFlags, values: CompressValues, to: D): Pick<CompressValues, D extends Destination ? KeysTo<D> : OptionKeys> {
  const entries = Object.entries(values).filter(([key]) => (flags[key as keyof CompressFlags] as { to?: Destination }).to === to);
  return Object.fromEntries(entries) as Pick<CompressValues, D extends Destination ? KeysTo<D> : OptionKeys>;
}

/** The settings the flags give; only what was given, so the package's defaults apply to the rest. */
async function settingsOf(flags: CompressFlags, values: CompressValues): Promise<Partial<CompressSettings>> {
  const settings: Partial<CompressSettings> = valuesTo(flags, values, 'settings');
  const schedule = valuesTo(flags, values, 'schedule');
  if (Object.keys(schedule).length > 0) settings.schedule = schedule as CompressSettings['schedule'];
  const { student, studentLayers } = valuesTo(flags, values, 'student');
  if (student !== undefined && studentLayers !== undefined) throw usageError('give --student or --student-layers, not both', 'e.g. --student-layers 32');
  if (studentLayers !== undefined) settings.student = { mlp: studentLayers } as CompressSettings['student'];
  if (student !== undefined) {
    const { loadTrainSpec, requireTrainSpec } = await import('@mlship/train');
    const spec = requireTrainSpec(await loadTrainSpec(student), student);
    if (!spec.model) throw usageError(`${student} has no model section`, 'give a train spec with model: {mlp: [32]} or model: {layers: [...]}');
    settings.student = spec.model as CompressSettings['student'];
  }
  return settings;
}

export function registerCompress(program: Command): void {
  const flags = compressFlags();
  const command = program.command('compress').description(TOP_LEVEL_COMMANDS.compress.description).argument('<ref>', 'the model to compress, e.g. models/digits:1 or models/digits@production');
  addFlags(command, flags)
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
A source marked failed is refused (MLSHIP_E_VERSION_FAILED, exit 1) unless --allow-failed; the result
is then stored failed whatever its own gate says (exit 1). When the latest version of the name holds
the same model bytes, parents and status, it is returned instead (unless --new-version).
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
      handle(flags, async (context, [ref], options) => {
        const { method } = options;
        if (options.label !== undefined && options.evalData === undefined) throw usageError('--label goes with --eval-data', 'e.g. --eval-data test.csv --label digit');
        const settings = await settingsOf(flags, options);
        const { reporter } = context;
        for (const [key, spec] of Object.entries(flags)) {
          const methods: readonly MethodName[] | undefined = 'methods' in spec ? spec.methods : undefined;
          if (methods && options[key as keyof CompressValues] !== undefined && !methods.includes(method)) {
            reporter.warn(`${flagName(spec.flag)} has no effect with --method ${method} (it is for ${methods.join(', ')})`);
          }
        }
        const registry = await context.registry();
        const compress = await import('@mlship/compress');
        const bar = reporter.progress('fine-tuning', 'items');
        try {
          const result = await compress.compressModel({
            registry,
            ref: ref!,
            ...valuesTo(flags, options, undefined),
            settings,
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
          if (result.failedSource) {
            reporter.warn(`${result.ref}: derived from ${result.source.ref}, which is marked failed; stored with status failed${options.promote ? `, ${options.promote} not moved` : ''}`);
          } else if (result.status === 'failed') {
            reporter.warn(
              `${result.ref}: ${report.gate.metric} dropped ${(report.gate.drop * 100).toFixed(2)} points (allowed ${(report.gate.maxDrop * 100).toFixed(2)}); stored with status failed${options.promote ? `, ${options.promote} not moved` : ''}`,
            );
          }
          const text = [
            `${result.ref} ${result.digest}${result.reused ? ' (unchanged: the latest version holds the same model)' : ''}`,
            keyValues([
              [
                'status',
                result.status === 'ok'
                  ? color.green('ok')
                  : color.red(result.failedSource ? `failed (its source ${result.source.ref} is marked failed; stored, not promoted)` : `failed (${report.gate.metric} gate not met; stored, not promoted)`),
              ],
              ['method', `${result.method} of ${result.source.ref}`],
              ['evaluated', report.evaluation.description],
              ['agreement', report.agreement === null ? undefined : `${(report.agreement * 100).toFixed(2)}% of predicted classes unchanged`],
              ...compress.reportHighlights(report),
              ['promoted', result.promoted ? `${result.promoted.alias} → ${result.promoted.ref}` : undefined],
            ]),
            '',
            table(['', 'before', 'after', 'change'], compress.reportRows(report)),
          ].join('\n');
          // --json prints the result as it is (its fields are named and ordered so), less the full
          // metrics of the new version (its metrics.json; the report has their scalars).
          const { evaluation: _evaluation, ...data } = result;
          return { data, text, exitCode: result.status === 'ok' ? ExitCode.ok : ExitCode.checkFailed };
        } finally {
          bar.stop();
        }
      }),
    );
}
