import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ARTIFACT_KINDS, defineFlags, ErrorCode, ExitCode, MlshipError, parseFlags, parseRef } from '@mlship/core';
import type { RunningServer, ServeEvent } from '@mlship/serve';
// The flag table only (light): the server itself loads when the command runs.
import { MODEL_FILES, SERVED_MODEL_FILE } from '@mlship/onnx/model-files';
import { serveFlags, serveOptionsOf } from '@mlship/serve/flags';
import { addFlags } from '../add-flags.js';
import { createContext, type CommandContext } from '../context.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';
import { ALLOW_FAILED_FLAG } from './shared-flags.js';

/** The flags of `mlship serve` beyond the server's own (`serveFlags()`, shared with the runtime entry, which serves directories only). */
export const serveCommandFlags = () => defineFlags({ allowFailed: ALLOW_FAILED_FLAG });

function looksLikeRef(text: string): boolean {
  const slash = text.indexOf('/');
  return slash > 0 && (ARTIFACT_KINDS as readonly string[]).includes(text.slice(0, slash));
}

/**
 * A model directory for each argument: directories as they are; refs resolved in the registry and
 * their model.onnx and signature.json written (verified) to a fresh temp directory with a model.json.
 */
async function modelDirs(context: CommandContext, targets: string[], temps: string[], allowFailed: boolean): Promise<{ dirs: string[]; refs: (string | undefined)[] }> {
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
    const { assertUsable, resolveRef, extractArtifact } = await import('@mlship/registry');
    const artifact = await resolveRef(registry, target);
    if (assertUsable(artifact, { action: 'serve', allowFailed }) === 'failed') context.reporter.warn(`${artifact.ref} is marked failed; serving it as --allow-failed asks`);
    if (refs.includes(artifact.ref)) {
      throw new MlshipError(ErrorCode.usage, `${target} names ${artifact.ref}, which is already given`, { hint: 'give each version once', exitCode: ExitCode.usage });
    }
    if (!artifact.files.some((file) => file.name === MODEL_FILES.onnx)) {
      throw new MlshipError(ErrorCode.usage, `${artifact.ref} has no model.onnx`, { hint: 'store models with `mlship train` or `mlship model import`', exitCode: ExitCode.usage });
    }
    // Made and recorded in one step: a signal in between would leave a directory nobody knows of.
    const dir = mkdtempSync(join(tmpdir(), 'mlship-serve-'));
    temps.push(dir);
    const files = [MODEL_FILES.onnx, ...(artifact.files.some((file) => file.name === MODEL_FILES.signature) ? [MODEL_FILES.signature] : [])];
    await extractArtifact({ registry, ref: artifact.ref, outDir: dir, files });
    await writeFile(join(dir, SERVED_MODEL_FILE), `${JSON.stringify({ name: artifact.name, version: artifact.version, ref: artifact.ref, digest: artifact.digest }, null, 2)}\n`);
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
async function serve(context: CommandContext, targets: string[], flags: Record<string, unknown>): Promise<void> {
  const temps: string[] = [];
  const cleanup = removeOnExit(temps);
  let server: RunningServer | undefined;
  try {
    const { dirs, refs } = await modelDirs(context, targets, temps, parseFlags(serveCommandFlags(), flags).allowFailed === true);
    // Flags only: the MLSHIP_* environment fallbacks are the container entry's.
    const options = serveOptionsOf(flags);
    const { handleSignals, startServer } = await import('@mlship/serve');
    server = await startServer({ models: dirs, ...options, onEvent: (event) => reportEvent(context, event) });
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
  const command = program
    .command('serve')
    .description(TOP_LEVEL_COMMANDS.serve.description)
    .argument('<model...>', 'a model ref (models/iris, models/iris:3, models/iris@production) or a model directory; several of one model serve versions side by side');
  addFlags(addFlags(command, serveFlags()), serveCommandFlags())
    .addHelpText(
      'after',
      `
With a REF, the model's model.onnx and signature.json are read from the registry (verified) into a
temporary directory; a directory is served as it is (model.onnx, signature.json, model.json). The
server runs until SIGTERM or Ctrl-C, then finishes the requests in flight and exits 0. SIGHUP
re-reads the model directories. See docs/serve.md for the API, batching, metrics and the log format.
A REF naming a version marked failed is refused (MLSHIP_E_VERSION_FAILED, exit 1) unless --allow-failed.

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
      const flags = args[args.length - 2] as Record<string, unknown>;
      const targets = args[0] as string[];
      await serve(createContext(command), targets, flags);
    });
}
