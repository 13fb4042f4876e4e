/**
 * The server's flags, one table for `mlship serve` (commander, in packages/cli) and for the runtime
 * entry (`serve-runtime.mjs`: `parseServeArgs`, with the MLSHIP_* environment fallbacks). Each key is
 * the `ServeOptions` field the flag sets. Light on purpose: the CLI's front bundle imports this
 * module (`@mlship/serve/flags`) to declare `mlship serve` without loading the server, and the table
 * is made on first use, so that `mlship --help` does not pay for it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { commaList, defineFlags, flagAttribute, flagName, numberFlag, parseFlags, type FlagTable, type FlagValues } from '@mlship/core';
import { parseTokens } from './auth.js';
import { ServeErrorCode, serveError } from './errors.js';
import type { TrafficSplit } from './repository.js';

function bad(message: string, hint: string) {
  return serveError(ServeErrorCode.options, message, hint);
}

/** Flag text to numbers; the ranges are checked with the options (`resolveOptions`), so that they hold for callers of `startServer` too. */
const integer = numberFlag({ integer: true, code: ServeErrorCode.options });

/** A token file's tokens; an empty path counts as no file. */
const tokensIn =
  (what: string) =>
  (path: string): string[] | undefined =>
    path === '' ? undefined : readTokenFile(path, what);

const makeServeFlags = () =>
  defineFlags({
    host: { flag: '--host <address>', description: 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)', env: 'MLSHIP_HOST' },
    port: { flag: '--port <n>', description: 'port (default 8080; 0 picks a free one)', env: 'MLSHIP_PORT', parse: integer },
    workers: {
      flag: '--workers <n>',
      description: 'processes serving requests, or auto for one per CPU (default 1)',
      env: 'MLSHIP_WORKERS',
      parse: (value: string, flag: string) => (value === 'auto' ? ('auto' as const) : integer(value, flag)),
    },
    // The runtime leaves the check of the target to resolveOptions (`unknown target`); commander checks the choices.
    target: { flag: '--target <target>', description: 'execution providers: cpu, gpu (CUDA, falling back to the CPU) or edge (CPU)', choices: ['cpu', 'gpu', 'edge'], env: 'MLSHIP_TARGET' },
    intraOpThreads: { flag: '--threads <n>', description: 'ONNX Runtime threads per worker (default 1)', parse: integer },
    interOpThreads: { flag: '--inter-op-threads <n>', description: "ONNX Runtime inter-op threads (default: ONNX Runtime's)", parse: integer },
    maxBatchSize: { flag: '--max-batch-size <n>', description: 'most rows in one batched run (default 64)', parse: integer },
    maxQueueDelayMicros: { flag: '--max-queue-delay-us <n>', description: 'how long the oldest request waits for more rows, in microseconds (default 500)', parse: integer },
    batching: { flag: '--no-batching', description: 'run each request alone', parse: (batching: boolean) => (batching ? undefined : false) },
    maxQueueRows: { flag: '--max-queue <n>', description: 'rows that may wait per version before requests get 503 (default 4096)', parse: integer },
    maxQueueElements: { flag: '--max-queue-elements <n>', description: 'tensor elements that may wait per version before requests get 503 (default 4194304)', parse: integer },
    timeoutMs: { flag: '--timeout-ms <n>', description: 'per-request inference timeout before 504 (default 5000)', parse: integer },
    maxBodyBytes: { flag: '--max-body-bytes <n>', description: 'largest request body before 413 (default 1048576)', parse: integer },
    bodyTimeoutMs: { flag: '--body-timeout-ms <n>', description: 'time allowed for headers and body to arrive before 408 (default 10000)', parse: integer },
    drainTimeoutMs: { flag: '--drain-timeout-ms <n>', description: 'how long a graceful shutdown waits for requests in flight (default 10000)', parse: integer },
    maxConnections: { flag: '--max-connections <n>', description: 'open connections per process (default 1024)', parse: integer },
    tokens: {
      flag: '--token-file <file>',
      description: 'bearer tokens, one per line (# comments): every route but /v2/health/* then needs one',
      env: 'MLSHIP_TOKEN_FILE',
      parse: tokensIn('token file'),
    },
    adminTokens: {
      flag: '--admin-token-file <file>',
      description: 'bearer tokens of the /v2/repository admin API, separate from --token-file; turns the admin API on',
      env: 'MLSHIP_ADMIN_TOKEN_FILE',
      parse: tokensIn('admin token file'),
    },
    tlsKey: { flag: '--tls-key <file>', description: 'PEM private key: serve HTTPS (with --tls-cert)' },
    tlsCert: { flag: '--tls-cert <file>', description: 'PEM certificate chain (with --tls-key)' },
    logDir: {
      flag: '--log-dir <dir>',
      description: 'write the prediction log here (predictions-<worker>.jsonl)',
      env: 'MLSHIP_LOG_DIR',
      parse: (dir: string) => (dir === '' ? undefined : dir),
    },
    logSample: { flag: '--log-sample <fraction>', description: 'fraction of rows logged, 0 to 1 (default 1)', parse: numberFlag({ code: ServeErrorCode.options }) },
    logMaxBytes: { flag: '--log-max-bytes <n>', description: 'rotate the prediction log at this size (default 64 MiB)', parse: integer },
    logMaxFiles: { flag: '--log-max-files <n>', description: 'rotated prediction logs kept (default 5)', parse: integer },
    trafficSplit: { flag: '--split <weights>', description: 'traffic split of unversioned requests across versions, e.g. 1=90,2=10', parse: (text: string) => parseSplit(text) },
    seed: { flag: '--seed <n>', description: 'seed of the traffic split and log sampling', parse: integer },
    // The runtime leaves the check of the value to resolveOptions; commander checks the choices.
    extraFields: {
      flag: '--extra-fields <policy>',
      description: 'V1 instance fields that are neither features (or inputs) nor echoed: ignore (counted in mlship_extra_fields_total) or error (400 naming the field); default ignore',
      choices: ['ignore', 'error'],
      env: 'MLSHIP_EXTRA_FIELDS',
    },
    echo: {
      flag: '--echo <field>',
      description: 'copy this field of each V1 instance into its prediction, e.g. an id (repeatable, or comma-separated; never a feature)',
      repeatable: true,
      env: 'MLSHIP_ECHO',
      // A list from the command line; the environment variable gives one comma-separated text.
      parse: (fields: string[] | string) => {
        const list = (typeof fields === 'string' ? [fields] : fields).flatMap(commaList);
        return list.length === 0 || (list.length === 1 && list[0] === '') ? undefined : list;
      },
    },
    adminApi: {
      flag: '--admin',
      description: 'turn on the /v2/repository admin API without tokens, on a loopback host only (off by default unless --admin-token-file is given)',
      negation: 'turn off the /v2/repository admin API even with --admin-token-file',
    },
  });

export type ServeFlagTable = ReturnType<typeof makeServeFlags>;
type ServeFlagValues = FlagValues<ServeFlagTable>;

let table: ServeFlagTable | undefined;

/** The table (made once, on first use). */
export function serveFlags(): ServeFlagTable {
  return (table ??= makeServeFlags());
}

/** What the flags give `startServer` (a part of `ServeOptions`): only what was given, so the server's defaults apply to the rest. */
export type ServeFlagOptions = Omit<ServeFlagValues, 'tlsKey' | 'tlsCert'> & { tls?: { keyFile: string; certFile: string } };

/** The options of the flags' raw values (keyed as commander keys them). */
export function serveOptionsOf(raw: Readonly<Record<string, unknown>>): ServeFlagOptions {
  const { tlsKey, tlsCert, ...options }: ServeFlagValues & ServeFlagOptions = parseFlags(serveFlags(), raw);
  if ((tlsKey === undefined) !== (tlsCert === undefined)) throw bad('--tls-key and --tls-cert go together', 'give both PEM files');
  if (tlsKey !== undefined && tlsCert !== undefined) options.tls = { keyFile: tlsKey, certFile: tlsCert };
  return options;
}

/**
 * The runtime entry's arguments (model directories and flags) with the MLSHIP_* environment fallbacks,
 * read by the same table as `mlship serve`'s flags.
 */
export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): { options: ServeFlagOptions & { models: string[] }; help: boolean } {
  const { raw, positionals, help } = readArgv(serveFlags(), argv, env);
  if (help) return { options: { models: [] }, help: true };
  return { options: { models: positionals, ...serveOptionsOf(raw) }, help: false };
}

/** argv by a flag table with node:util parseArgs, into raw values keyed and defaulted as commander would give them. */
function readArgv(table: FlagTable, argv: string[], env: NodeJS.ProcessEnv): { raw: Record<string, unknown>; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const spec of Object.values(table)) {
    const name = flagName(spec.flag).slice(2);
    const type = spec.flag.includes('<') ? 'string' : 'boolean';
    options[name] = spec.repeatable ? { type, multiple: true } : { type };
    if (spec.negation !== undefined) options[`no-${name}`] = { type: 'boolean' };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    throw bad((error as Error).message, runtimeUsage().split('\n')[0]!);
  }
  const given = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const raw: Record<string, unknown> = {};
  for (const spec of Object.values(table)) {
    const name = flagName(spec.flag).slice(2);
    let value = given[name] ?? (spec.env === undefined ? undefined : env[spec.env]) ?? spec.default ?? (spec.repeatable ? [] : undefined);
    if (name.startsWith('no-')) value = value !== true; // commander's --no-x: true until given
    if (spec.negation !== undefined && given[`no-${name}`] === true) {
      if (value === true) throw bad(`--${name} and --no-${name} contradict each other`, 'give one of them');
      value = false;
    }
    raw[flagAttribute(spec.flag)] = value;
  }
  return { raw, positionals: parsed.positionals, help: given.help === true };
}

/** The runtime entry's usage (`--help`), from the table. */
export function runtimeUsage(): string {
  const lines = ['usage: serve-runtime MODEL_DIR [MODEL_DIR...]'];
  for (const spec of Object.values<FlagTable[string]>(serveFlags())) {
    const name = flagName(spec.flag);
    const argument = spec.choices ? spec.choices.join('|') : spec.flag.slice(spec.flag.indexOf(name) + name.length).trim();
    const item = spec.negation !== undefined ? `[${name} | --no-${name.slice(2)}]` : `[${argument ? `${name} ${argument}` : name}]`;
    if (lines[lines.length - 1]!.length + item.length + 1 > 110) lines.push(`  ${item}`);
    else lines[lines.length - 1] += ` ${item}`;
  }
  const variables = Object.values<FlagTable[string]>(serveFlags()).flatMap((spec) => (spec.env === undefined ? [] : [spec.env]));
  return [...lines, `env: ${variables.join(', ')}`].join('\n');
}

/** Reads a token file (one token per line, `#` comments); coded errors for a missing, unreadable or empty file. */
export function readTokenFile(path: string, what = 'token file'): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw bad(`cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'give a readable file with one token per line');
  }
  const tokens = parseTokens(text);
  if (tokens.length === 0) throw bad(`the ${what} ${path} holds no token`, 'put one token per line; blank lines and # comments are ignored');
  return tokens;
}

export function checkSplitShape(split: TrafficSplit): void {
  const entries = Object.entries(split);
  if (entries.length === 0 || !entries.every(([version, weight]) => /^\d+$/.test(version) && typeof weight === 'number' && Number.isFinite(weight) && weight >= 0) || !entries.some(([, w]) => w > 0)) {
    throw bad(`bad traffic split ${JSON.stringify(split)}`, 'give VERSION=WEIGHT pairs, e.g. --split 1=90,2=10');
  }
}

/** `1=90,2=10` → {"1": 90, "2": 10}. */
export function parseSplit(text: string): TrafficSplit {
  const split: TrafficSplit = {};
  for (const part of text.split(',')) {
    const match = /^\s*(\d+)\s*[=:]\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!match) throw bad(`bad --split "${text}"`, 'give VERSION=WEIGHT pairs, e.g. --split 1=90,2=10');
    split[String(Number(match[1]))] = Number(match[2]);
  }
  checkSplitShape(split);
  return split;
}
