import { usageError, type Digest } from '@mlship/core';
import type { HistoryEntry, ImageConfigDocument, Platform } from '@mlship/oci';

/** The runtime defaults of an image, in plain terms; `imageConfig` writes them in the config's own names. */
export interface ImageRuntimeConfig {
  entrypoint: string[];
  /** Arguments after the entrypoint; absent: none (the base's Cmd is dropped, as a Dockerfile ENTRYPOINT does). */
  cmd?: string[];
  /** Merged over the base's environment: same keys are replaced, others (PATH) kept. */
  env?: Record<string, string>;
  /** `8080` means `8080/tcp`; `"53/udp"` as written. Added to the base's. */
  exposedPorts?: Array<number | string>;
  workingDir?: string;
  /** `user`, `uid`, `uid:gid`; the base's when absent. */
  user?: string;
  /** Merged over the base's labels. */
  labels?: Record<string, string>;
  /** Base labels not carried over (those that describe the base, not the image built on it). */
  removeLabels?: string[];
  /** Docker's HEALTHCHECK; `test` is `["CMD", ...]`, `["CMD-SHELL", "..."]`, or a command (CMD is prepended). */
  healthcheck?: { test: string[]; intervalSeconds?: number; timeoutSeconds?: number; startPeriodSeconds?: number; retries?: number };
  stopSignal?: string;
}

export interface OurLayer {
  name: string;
  diffId: Digest;
}

const NANOSECONDS = 1e9;

function nanoseconds(seconds: number | undefined, what: string): number | undefined {
  if (seconds === undefined) return undefined;
  if (!Number.isFinite(seconds) || seconds < 0) throw usageError(`bad health check ${what} ${seconds}`, 'give seconds, e.g. 10');
  return Math.round(seconds * NANOSECONDS);
}

function portKey(port: number | string): string {
  if (typeof port === 'number') {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw usageError(`bad port ${port}`, 'ports are 1 to 65535');
    return `${port}/tcp`;
  }
  if (!/^[0-9]{1,5}\/(tcp|udp|sctp)$/.test(port)) throw usageError(`bad port "${port}"`, 'write a number, or PORT/tcp, PORT/udp');
  return port;
}

/** The PATH a container gets when its image sets none (Docker's and podman's default). */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `${NAME}` in a value becomes NAME's value in `env` (as Dockerfile ENV expands it); PATH has a default. */
function expandVariables(value: string, env: string[]): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const found = env.find((entry) => entry.startsWith(`${name}=`));
    return found !== undefined ? found.slice(name.length + 1) : name === 'PATH' ? DEFAULT_PATH : '';
  });
}

/**
 * Environment merge: ours replace the base's values in place; new keys follow, in key order.
 * `${NAME}` in our values expands to the base's value (Dockerfile ENV semantics).
 */
export function mergeEnv(base: string[] | undefined, ours: Record<string, string> | undefined): string[] {
  const env = [...(base ?? [])];
  for (const key of Object.keys(ours ?? {}).sort()) {
    if (key === '' || key.includes('=') || key.includes('\0')) throw usageError(`bad environment variable name "${key}"`, 'names have no "=" in them');
    const entry = `${key}=${expandVariables(ours![key]!, env)}`;
    const at = env.findIndex((existing) => existing === key || existing.startsWith(`${key}=`));
    if (at >= 0) env[at] = entry;
    else env.push(entry);
  }
  return env;
}

/**
 * The config of an image built on `base`: our layers' diff_ids appended to rootfs, one history entry
 * per layer (each with `created`, which umoci requires), the runtime defaults merged as Docker merges
 * a Dockerfile's over its base, `created` and the platform set. Pure: no I/O.
 */
export function imageConfig(
  base: ImageConfigDocument,
  layers: OurLayer[],
  runtime: ImageRuntimeConfig,
  platform: Platform,
  created: string,
): ImageConfigDocument {
  const inherited = structuredClone(base);
  // Docker's record of the container that built the base, not this image.
  delete inherited.container;
  delete inherited.container_config;
  const defaults = { ...(inherited.config ?? {}) };
  if (!Array.isArray(runtime.entrypoint) || runtime.entrypoint.length === 0) throw usageError('the image needs an entrypoint', 'give the command to run');
  defaults.Entrypoint = [...runtime.entrypoint];
  if (runtime.cmd !== undefined) defaults.Cmd = [...runtime.cmd];
  else delete defaults.Cmd;
  defaults.Env = mergeEnv(defaults.Env, runtime.env);
  if (runtime.exposedPorts?.length) {
    defaults.ExposedPorts = { ...(defaults.ExposedPorts ?? {}) };
    for (const port of runtime.exposedPorts) defaults.ExposedPorts[portKey(port)] = {};
  }
  if (runtime.workingDir !== undefined) defaults.WorkingDir = runtime.workingDir;
  if (runtime.user !== undefined) defaults.User = runtime.user;
  if (runtime.stopSignal !== undefined) defaults.StopSignal = runtime.stopSignal;
  if (runtime.labels !== undefined || runtime.removeLabels?.length) {
    const labels: Record<string, string> = { ...(defaults.Labels ?? {}) };
    for (const label of runtime.removeLabels ?? []) delete labels[label];
    defaults.Labels = { ...labels, ...runtime.labels };
  }
  if (runtime.healthcheck) {
    const { test, intervalSeconds, timeoutSeconds, startPeriodSeconds, retries } = runtime.healthcheck;
    if (!Array.isArray(test) || test.length === 0) throw usageError('the health check has no test', 'give a command, e.g. ["CMD", "node", "check.js"]');
    if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) throw usageError(`bad health check retries ${retries}`, 'give a whole number');
    defaults.Healthcheck = {
      Test: ['CMD', 'CMD-SHELL', 'NONE'].includes(test[0]!) ? [...test] : ['CMD', ...test],
      ...(intervalSeconds !== undefined ? { Interval: nanoseconds(intervalSeconds, 'interval') } : {}),
      ...(timeoutSeconds !== undefined ? { Timeout: nanoseconds(timeoutSeconds, 'timeout') } : {}),
      ...(startPeriodSeconds !== undefined ? { StartPeriod: nanoseconds(startPeriodSeconds, 'start period') } : {}),
      ...(retries !== undefined ? { Retries: retries } : {}),
    };
  }
  const history: HistoryEntry[] = [
    ...(Array.isArray(inherited.history) ? inherited.history : []),
    ...layers.map((layer) => ({ created, created_by: `mlship package: ${layer.name}` })),
  ];
  const config: ImageConfigDocument = {
    ...inherited,
    created,
    architecture: platform.architecture,
    os: platform.os,
    config: defaults,
    rootfs: { type: 'layers', diff_ids: [...inherited.rootfs.diff_ids, ...layers.map((layer) => layer.diffId)] },
    history,
  };
  if (platform.variant) config.variant = platform.variant;
  else if (base.architecture !== platform.architecture) delete config.variant;
  return config;
}
