/**
 * Inference latency of ONNX models in ONNX Runtime (onnxruntime-node, CPU), side by side: batch 1
 * (single rows, cycling over the input) and batch 64 (one fixed block). The machine may be noisy, so
 * repeats take turns across the models and every figure is a median.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { createInferenceSession, loadOnnxRuntime } from '@mlship/onnx';
import { compressDataError, compressFailed, compressOptionsError } from '../errors.js';

export interface LatencyInput {
  /** The graph input the rows feed. */
  name: string;
  /** `count` rows of prod(rowDims) floats each. */
  rows: Float32Array;
  rowDims: number[];
  count: number;
}

export interface BatchLatency {
  batch: number;
  /** Median time of one `run` call, in microseconds. */
  medianUs: number;
  /** Rows per second over all timed calls of a repeat. */
  rowsPerSecond: number;
}

export interface LatencyFigures {
  batch1: BatchLatency;
  batch64: BatchLatency;
}

export interface LatencyOptions {
  /** Timed batch-1 calls per repeat; batch 64 makes calls/4 (at least 1). Default 1000. */
  calls?: number;
  /** Rounds over all models, each with a fresh session per model. Default 3. */
  repeats?: number;
  /** ONNX Runtime intra-op threads (inter-op is always 1). Default 1. */
  threads?: number;
  /** Untimed calls before each batch size's timed ones. Default 50. */
  warmup?: number;
}

const BLOCK = 64;

/**
 * Measures every model on the same input. Each repeat opens a fresh session per model in turn
 * (round-robin), times `calls` batch-1 runs then calls/4 batch-64 runs; a repeat's figure is the
 * median call and rows/s from the sum of its call times; the result is the median over repeats.
 * Throws MLSHIP_E_COMPRESS_DATA when the input does not fit a model, MLSHIP_E_COMPRESS_FAILED when a
 * model does not load or run.
 */
export async function measureLatency(
  models: Array<{ id: string; bytes: Uint8Array }>,
  input: LatencyInput,
  options: LatencyOptions = {},
): Promise<Record<string, LatencyFigures>> {
  const calls = wholeNumber('calls', options.calls ?? 1000, 1);
  const repeats = wholeNumber('repeats', options.repeats ?? 3, 1);
  const threads = wholeNumber('threads', options.threads ?? 1, 1);
  const warmup = wholeNumber('warmup', options.warmup ?? 50, 0);
  checkInput(input);
  if (new Set(models.map((model) => model.id)).size !== models.length) {
    throw compressOptionsError('latency: model ids must be unique', 'give every model its own id');
  }

  const ort = await loadOnnxRuntime();
  const width = input.rowDims.reduce((total, dim) => total * dim, 1);
  const rowTensors = Array.from(
    { length: Math.min(input.count, calls) },
    (_, row) => new ort.Tensor('float32', input.rows.slice(row * width, (row + 1) * width), [1, ...input.rowDims]),
  );
  const block = new Float32Array(BLOCK * width);
  for (let row = 0; row < BLOCK; row++) block.set(input.rows.subarray((row % input.count) * width, ((row % input.count) + 1) * width), row * width);
  const blockTensor = new ort.Tensor('float32', block, [BLOCK, ...input.rowDims]);

  const runs = new Map(models.map((model) => [model.id, { batch1: [] as BatchLatency[], batch64: [] as BatchLatency[] }]));
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const model of models) {
      const session = await openSession(model, threads);
      try {
        if (!session.inputNames.includes(input.name)) {
          throw compressDataError(
            `latency: model ${model.id} has no input named ${input.name} (it has ${session.inputNames.join(', ')})`,
            'feed the input the model signature names',
          );
        }
        const run = async (tensor: InstanceType<typeof ort.Tensor>): Promise<void> => {
          try {
            await session.run({ [input.name]: tensor });
          } catch (error) {
            throw compressDataError(
              `latency: model ${model.id} does not run on rows of shape [${input.rowDims.join(', ')}]: ${(error as Error).message.split('\n')[0]}`,
              'give rows that fit the model input',
            );
          }
        };
        const figures = runs.get(model.id)!;
        figures.batch1.push(await timeCalls(run, rowTensors, 1, calls, warmup));
        figures.batch64.push(await timeCalls(run, [blockTensor], BLOCK, Math.max(1, Math.floor(calls / 4)), warmup));
      } finally {
        await session.release();
      }
    }
  }
  return Object.fromEntries(
    [...runs].map(([id, figures]) => [id, { batch1: medianOf(figures.batch1), batch64: medianOf(figures.batch64) }]),
  );
}

async function openSession(model: { id: string; bytes: Uint8Array }, threads: number): Promise<InferenceSession> {
  try {
    return await createInferenceSession(model.bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
  } catch (error) {
    throw compressFailed(`latency: ONNX Runtime cannot load model ${model.id}: ${(error as Error).message.split('\n')[0]}`, 'check the model with onnx.checker', error);
  }
}

/** `warmup` untimed calls, then `calls` timed ones cycling over `tensors`. */
async function timeCalls<T>(run: (tensor: T) => Promise<void>, tensors: T[], batch: number, calls: number, warmup: number): Promise<BatchLatency> {
  for (let i = 0; i < warmup; i++) await run(tensors[i % tensors.length]!);
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const tensor = tensors[i % tensors.length]!;
    const start = process.hrtime.bigint();
    await run(tensor);
    times[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  const totalUs = times.reduce((total, us) => total + us, 0);
  return { batch, medianUs: median(Array.from(times)), rowsPerSecond: (batch * calls * 1e6) / totalUs };
}

function medianOf(figures: BatchLatency[]): BatchLatency {
  return {
    batch: figures[0]!.batch,
    medianUs: median(figures.map((figure) => figure.medianUs)),
    rowsPerSecond: median(figures.map((figure) => figure.rowsPerSecond)),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw compressOptionsError(`latency: ${name} must be a whole number of at least ${min}, not ${value}`, `set ${name} to ${min} or more`);
  return value;
}

function checkInput(input: LatencyInput): void {
  const width = input.rowDims.reduce((total, dim) => total * dim, 1);
  if (!Number.isInteger(input.count) || input.count < 1 || input.rowDims.some((dim) => !Number.isInteger(dim) || dim < 1)) {
    throw compressDataError(`latency: needs at least one row of positive dims, got ${input.count} rows of [${input.rowDims.join(', ')}]`, 'give the evaluation rows');
  }
  if (input.rows.length !== input.count * width) {
    throw compressDataError(
      `latency: ${input.count} rows of [${input.rowDims.join(', ')}] need ${input.count * width} floats, got ${input.rows.length}`,
      'give rows · prod(rowDims) floats',
    );
  }
}
