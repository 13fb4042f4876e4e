import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { ARTIFACT_KINDS, ErrorCode, ExitCode, MlshipError, parseRef } from '@mlship/core';
import type { RunningServer, ServeEvent } from '@mlship/serve';
import { createContext, type CommandContext } from '../context.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';

interface ServeFlags {
  host?: string;
  port?: string;
  workers?: string;
  target?: string;
  threads?: string;
  interOpThreads?: string;
  maxBatchSize?: string;
  maxQueueDelayUs?: string;
  batching: boolean;
  maxQueue?: string;
  maxQueueElements?: string;
  timeoutMs?: string;
  maxBodyBytes?: string;
  bodyTimeoutMs?: string;
  drainTimeoutMs?: string;
  maxConnections?: string;
  tokenFile?: string;
  adminTokenFile?: string;
  tlsKey?: string;
  tlsCert?: string;
  logDir?: string;
  logSample?: string;
  logMaxBytes?: string;
  logMaxFiles?: string;
  split?: string;
  seed?: string;
  /** true with --admin, false with --no-admin, undefined with neither. */
  admin?: boolean;
}

/** The flags as the runtime entry takes them: one parser (@mlship/serve's parseServeArgs) for both. */
function runtimeArgs(dirs: string[], flags: ServeFlags): string[] {
  const args = [...dirs];
  const pairs: [string, string | undefined][] = [
    ['--host', flags.host],
    ['--port', flags.port],
    ['--workers', flags.workers],
    ['--target', flags.target],
    ['--threads', flags.threads],
    ['--inter-op-threads', flags.interOpThreads],
    ['--max-batch-size', flags.maxBatchSize],
    ['--max-queue-delay-us', flags.maxQueueDelayUs],
    ['--max-queue', flags.maxQueue],
    ['--max-queue-elements', flags.maxQueueElements],
    ['--timeout-ms', flags.timeoutMs],
    ['--max-body-bytes', flags.maxBodyBytes],
    ['--body-timeout-ms', flags.bodyTimeoutMs],
    ['--drain-timeout-ms', flags.drainTimeoutMs],
    ['--max-connections', flags.maxConnections],
    ['--token-file', flags.tokenFile],
    ['--admin-token-file', flags.adminTokenFile],
    ['--tls-key', flags.tlsKey],
    ['--tls-cert', flags.tlsCert],
    ['--log-dir', flags.logDir],
    ['--log-sample', flags.logSample],
    ['--log-max-bytes', flags.logMaxBytes],
    ['--log-max-files', flags.logMaxFiles],
    ['--split', flags.split],
    ['--seed', flags.seed],
  ];
  for (const [flag, value] of pairs) if (value !== undefined) args.push(flag, value);
  if (!flags.batching) args.push('--no-batching');
  if (flags.admin === true) args.push('--admin');
  if (flags.admin === false) args.push('--no-admin');
  return args;
}

function looksLikeRef(text: string): boolean {
  const slash = text.indexOf('/');
  return slash > 0 && (ARTIFACT_KINDS as readonly string[]).includes(text.slice(0, slash));
}

/**
 * A model directory for each argument: directories as they are; refs resolved in the registry and
 * their model.onnx and signature.json written (verified) to a fresh temp directory with a model.json.
 */
async function modelDirs(context: CommandContext, targets: string[], temps: string[]): Promise<{ dirs: string[]; refs: (string | undefined)[] }> {
  const dirs: string[] = [];
  const refs: (string | undefined)[] = [];
  for (const target of targets) {
    if (existsSync(target) || !looksLikeRef(target)) {
      if (!existsSync(target)) {
        throw new MlshipError(ErrorCode.fileNotFound, `no such model directory or ref: ${target}`, { hint: 'give a ref such as models/iris@production or a directory holding model.onnx', exitCode: ExitCode.usage });
      }
      if (!statSync(target).isDirectory()) {
        throw new MlshipError(ErrorCode.usage, `${target} is not a directory`, { hint: 'give the directory holding model.onnx, signature.json and model.json', exitCode: ExitCode.usage });
      }
      dirs.push(target);
      refs.push(undefined);
      continue;
    }
    if (parseRef(target).kind !== 'models') {
      throw new MlshipError(ErrorCode.usage, `${target} is not a model`, { hint: 'give a model ref such as models/iris:1 or models/iris@production', exitCode: ExitCode.usage });
    }
    const registry = await context.registry();
    const { resolveRef, extractArtifact } = await import('@mlship/registry');
    const artifact = await resolveRef(registry, target);
    if (refs.includes(artifact.ref)) {
      throw new MlshipError(ErrorCode.usage, `${target} names ${artifact.ref}, which is already given`, { hint: 'give each version once', exitCode: ExitCode.usage });
    }
    if (!artifact.files.some((file) => file.name === 'model.onnx')) {
      throw new MlshipError(ErrorCode.usage, `${artifact.ref} has no model.onnx`, { hint: 'store models with `mlship train` or `mlship model import`', exitCode: ExitCode.usage });
    }
    // Made and recorded in one step: a signal in between would leave a directory nobody knows of.
    const dir = mkdtempSync(join(tmpdir(), 'mlship-serve-'));
    temps.push(dir);
    const files = ['model.onnx', ...(artifact.files.some((file) => file.name === 'signature.json') ? ['signature.json'] : [])];
    await extractArtifact({ registry, ref: artifact.ref, outDir: dir, files });
    await writeFile(join(dir, 'model.json'), `${JSON.stringify({ name: artifact.name, version: artifact.version, ref: artifact.ref, digest: artifact.digest }, null, 2)}\n`);
    context.reporter.debug(`serve: ${target} → ${artifact.ref} in ${dir}`);
    dirs.push(dir);
    refs.push(artifact.ref);
  }
  return { dirs, refs };
}

function reportEvent(context: CommandContext, event: ServeEvent): void {
  if (context.reporter.json) {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
    return;
  }
  const worker = event.worker !== undefined ? `worker ${String(event.worker)}: ` : '';
  if (event.event === 'error') context.reporter.warn(`${worker}${event.message ?? 'error'}`);
  else if (event.event === 'worker-exit') context.reporter.warn(`${worker}exited (code ${String(event.code)}, signal ${String(event.signal)}); restarting`);
  else if (event.event === 'shutdown') context.reporter.info(`${String(event.signal)}: finishing requests in flight, then stopping`);
  else context.reporter.debug(`serve: ${JSON.stringify(event)}`);
}

/**
 * Removes the temp copies however the process ends: on exit (also process.exit after a second
 * signal), and on SIGTERM/SIGINT until the server's own graceful handlers take over, where the
 * signal is then raised again so that the process still ends by it. Returns the hand-over.
 */
function removeOnExit(temps: string[]): { handOver: () => void; done: () => void } {
  const removeNow = () => {
    for (const dir of temps.splice(0)) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // leaving is what matters now; the directory is in the system's temp folder
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    removeNow();
    handOver();
    process.kill(process.pid, signal);
  };
  const handOver = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('exit', removeNow);
  const done = () => {
    handOver();
    process.off('exit', removeNow);
  };
  return { handOver, done };
}

/** Serves until SIGTERM/SIGINT; prints the URL (or one JSON line with --json) once ready. */
async function serve(context: CommandContext, targets: string[], flags: ServeFlags): Promise<void> {
  const temps: string[] = [];
  const cleanup = removeOnExit(temps);
  let server: RunningServer | undefined;
  try {
    const { dirs, refs } = await modelDirs(context, targets, temps);
    const { handleSignals, parseServeArgs, startServer } = await import('@mlship/serve');
    // Flags only: the MLSHIP_* environment fallbacks are the container entry's.
    const { options } = parseServeArgs(runtimeArgs(dirs, flags), {});
    server = await startServer({ ...options, onEvent: (event) => reportEvent(context, event) });
    // In one step: a signal from here on drains the server instead of ending the process at once.
    cleanup.handOver();
    handleSignals(server, (event) => reportEvent(context, event));
    const models = server.models.map((model) => ({
      name: model.name,
      version: model.version,
      ref: model.ref ?? refs[dirs.indexOf(model.dir)] ?? null,
      dir: model.dir,
      providers: model.providers,
      ...(model.fallback ? { fallback: model.fallback } : {}),
    }));
    if (context.reporter.json) {
      process.stdout.write(`${JSON.stringify({ event: 'listening', url: server.url, port: server.port, workers: server.workers, models })}\n`);
    } else {
      for (const model of models) if (model.fallback) context.reporter.warn(`${model.name} version ${model.version}: ${model.fallback}`);
      const name = models[0]!.name;
      const versions = models.map((model) => `${model.version}${model.ref ? ` (${model.ref})` : ''}`).join(', ');
      process.stdout.write(
        `serving ${name} version${models.length > 1 ? 's' : ''} ${versions} at ${server.url} (${server.workers} worker${server.workers > 1 ? 's' : ''})\n` +
          `  POST ${server.url}/v2/models/${name}/infer · POST ${server.url}/v1/predict · GET ${server.url}/metrics\n`,
      );
      if (!context.reporter.quiet) context.reporter.info('press Ctrl-C to stop');
    }
    await server.closed;
    if (!context.reporter.json) context.reporter.info('stopped');
    process.exitCode = ExitCode.ok;
  } finally {
    await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
    cleanup.done();
  }
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(TOP_LEVEL_COMMANDS.serve.description)
    .argument('<model...>', 'a model ref (models/iris, models/iris:3, models/iris@production) or a model directory; several of one model serve versions side by side')
    .option('--host <address>', 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)')
    .option('--port <n>', 'port (default 8080; 0 picks a free one)')
    .option('--workers <n>', 'processes serving requests, or auto for one per CPU (default 1)')
    .addOption(new Option('--target <target>', 'execution providers: cpu, gpu (CUDA, falling back to the CPU) or edge (CPU)').choices(['cpu', 'gpu', 'edge']))
    .option('--threads <n>', 'ONNX Runtime threads per worker (default 1)')
    .option('--inter-op-threads <n>', "ONNX Runtime inter-op threads (default: ONNX Runtime's)")
    .option('--max-batch-size <n>', 'most rows in one batched run (default 64)')
    .option('--max-queue-delay-us <n>', 'how long the oldest request waits for more rows, in microseconds (default 500)')
    .option('--no-batching', 'run each request alone')
    .option('--max-queue <n>', 'rows that may wait per version before requests get 503 (default 4096)')
    .option('--max-queue-elements <n>', 'tensor elements that may wait per version before requests get 503 (default 4194304)')
    .option('--timeout-ms <n>', 'per-request inference timeout before 504 (default 5000)')
    .option('--max-body-bytes <n>', 'largest request body before 413 (default 1048576)')
    .option('--body-timeout-ms <n>', 'time allowed for headers and body to arrive before 408 (default 10000)')
    .option('--drain-timeout-ms <n>', 'how long a graceful shutdown waits for requests in flight (default 10000)')
    .option('--max-connections <n>', 'open connections per process (default 1024)')
    .option('--token-file <file>', 'bearer tokens, one per line (# comments): every route but /v2/health/* then needs one')
    .option('--admin-token-file <file>', 'bearer tokens of the /v2/repository admin API, separate from --token-file; turns the admin API on')
    .option('--tls-key <file>', 'PEM private key: serve HTTPS (with --tls-cert)')
    .option('--tls-cert <file>', 'PEM certificate chain (with --tls-key)')
    .option('--log-dir <dir>', 'write the prediction log here (predictions-<worker>.jsonl)')
    .option('--log-sample <fraction>', 'fraction of rows logged, 0 to 1 (default 1)')
    .option('--log-max-bytes <n>', 'rotate the prediction log at this size (default 64 MiB)')
    .option('--log-max-files <n>', 'rotated prediction logs kept (default 5)')
    .option('--split <weights>', 'traffic split of unversioned requests across versions, e.g. 1=90,2=10')
    .option('--seed <n>', 'seed of the traffic split and log sampling')
    .option('--admin', 'turn on the /v2/repository admin API without tokens, on a loopback host only (off by default unless --admin-token-file is given)')
    .option('--no-admin', 'turn off the /v2/repository admin API even with --admin-token-file')
    .addHelpText(
      'after',
      `
With a REF, the model's model.onnx and signature.json are read from the registry (verified) into a
temporary directory; a directory is served as it is (model.onnx, signature.json, model.json). The
server runs until SIGTERM or Ctrl-C, then finishes the requests in flight and exits 0. SIGHUP
re-reads the model directories. See docs/serve.md for the API, batching, metrics and the log format.

Examples:
  $ mlship serve models/iris@production
  $ mlship serve models/iris:1 models/iris:2 --split 1=90,2=10 --port 9000
  $ mlship serve ./model-dir --workers auto --host 0.0.0.0 --token-file tokens.txt
  $ mlship serve models/iris --log-dir logs --log-sample 0.1 --json
  $ mlship serve models/iris:1 --admin      # the admin API on 127.0.0.1, e.g. to load models/iris:2 beside it
  $ curl -s localhost:8080/v2/models/iris/infer -d '{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[5.1,3.5,1.4,0.2]}]}'`,
    )
    .action(async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const flags = args[args.length - 2] as ServeFlags;
      const targets = args[0] as string[];
      await serve(createContext(command), targets, flags);
    });
}
