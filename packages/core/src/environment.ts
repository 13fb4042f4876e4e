import { cpus } from 'node:os';

export interface GitFacts {
  commit: string | null;
  branch: string | null;
  dirty: boolean;
  /** The `origin` remote's URL without credentials, when there is one. */
  remote?: string;
}

/** A remote URL with any user name or password removed (`https://user:token@host/x` → `https://host/x`). */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
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
    if (url) facts.remote = withoutCredentials(url);
    return facts;
  } catch {
    return null;
  }
}
