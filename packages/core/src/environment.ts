import { cpus } from 'node:os';

export interface GitFacts {
  commit: string | null;
  branch: string | null;
  dirty: boolean;
  /** The `origin` remote's URL without credentials (see `withoutCredentials`), when there is one that parses. */
  remote?: string;
}

/** URL schemes a recorded remote may have; others (`file:`, `ext::` helpers, local paths) name this machine or a command. */
const REMOTE_SCHEMES = new Set(['https:', 'http:', 'ssh:', 'git:', 'git+ssh:', 'ssh+git:']);
/** git's scp-style form `[user@]host:path`; a path holding `@`, `?`, `#`, a backslash or a space is not taken. */
const SCP_REMOTE = /^(?:[^@/:\s]+@)?([A-Za-z0-9][A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):([^\s@?#\\]+)$/;

/**
 * A remote as it may be recorded (in metadata, image labels, provenance): scheme, host, port and
 * path only. User names, passwords, query strings and fragments are dropped
 * (`https://user:p@ss@host/x?token=t` → `https://host/x`, `git@host:org/x.git` → `host:org/x.git`);
 * undefined for a remote that is not a URL of a known scheme or an scp-style remote.
 */
export function withoutCredentials(remote: string): string | undefined {
  if (!remote.includes('://')) {
    const scp = SCP_REMOTE.exec(remote);
    return scp ? `${scp[1]!.toLowerCase()}:${scp[2]!}` : undefined;
  }
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    return undefined;
  }
  if (!REMOTE_SCHEMES.has(url.protocol) || url.hostname === '') return undefined;
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export interface EnvironmentFacts {
  node: string;
  platform: string;
  arch: string;
  cpu: string | null;
  mlship: string;
  /** Versions of the libraries that shaped the artifact (tfjs, onnxruntime, the backend…). */
  libraries: Record<string, string>;
}

export const MLSHIP_VERSION = '0.1.0';

export function captureEnvironment(libraries: Record<string, string> = {}): EnvironmentFacts {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpu: cpus()[0]?.model?.trim() ?? null,
    mlship: MLSHIP_VERSION,
    libraries,
  };
}

/** Git commit, branch and dirty state of `cwd`; null outside a work tree or without git. */
export async function captureGit(cwd: string = process.cwd()): Promise<GitFacts | null> {
  const { simpleGit } = await import('simple-git');
  try {
    const git = simpleGit({ baseDir: cwd, timeout: { block: 10_000 } });
    if (!(await git.checkIsRepo())) return null;
    const status = await git.status();
    let commit: string | null = null;
    try {
      commit = (await git.revparse(['HEAD'])).trim();
    } catch {
      commit = null; // a repository without commits yet
    }
    const facts: GitFacts = { commit, branch: status.current ?? null, dirty: !status.isClean() };
    const origin = (await git.getRemotes(true)).find((remote) => remote.name === 'origin');
    const url = origin?.refs.fetch || origin?.refs.push;
    const remote = url ? withoutCredentials(url) : undefined;
    if (remote) facts.remote = remote;
    return facts;
  } catch {
    return null;
  }
}
