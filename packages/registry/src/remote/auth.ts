import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken` in Docker's config). */
  identityToken?: string;
  /** Where they were read from, for messages. */
  source: string;
}

/**
 * Container auth files, in the order podman/skopeo read them: `REGISTRY_AUTH_FILE`,
 * `$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`, then Docker's
 * `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`.
 */
export function authFileCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? homedir();
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'containers', 'auth.json'));
  files.push(join(env.DOCKER_CONFIG ?? join(home, '.docker'), 'config.json'));
  return files;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** Docker Hub is reached at registry-1.docker.io, but auth files name it docker.io or index.docker.io. */
const DOCKER_HUB_NAMES = new Set(['registry-1.docker.io', 'docker.io', 'index.docker.io']);

function matchEntry(auths: Record<string, AuthEntry>, host: string): AuthEntry | undefined {
  const hub = DOCKER_HUB_NAMES.has(host);
  for (const [key, entry] of Object.entries(auths)) {
    const normalized = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (normalized === host || (hub && DOCKER_HUB_NAMES.has(normalized))) return entry;
  }
  return undefined;
}

/** Credentials for `host` (`name[:port]`) from the user's container auth config, if any. */
export async function findCredentials(host: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  for (const file of authFileCandidates(env)) {
    let parsed: { auths?: Record<string, AuthEntry> };
    try {
      parsed = JSON.parse(await readFile(file, 'utf8')) as typeof parsed;
    } catch {
      continue;
    }
    const entry = parsed.auths ? matchEntry(parsed.auths, host) : undefined;
    if (!entry) continue;
    if (entry.identitytoken) return { identityToken: entry.identitytoken, source: file };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: file };
    }
    if (entry.username !== undefined && entry.password !== undefined) {
      return { username: entry.username, password: entry.password, source: file };
    }
  }
  return undefined;
}

/** Parses a `WWW-Authenticate` challenge: scheme and its quoted parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z_]+)=(?:"([^"]*)"|([^,\s]*))/g;
  for (const match of header.slice(space + 1).matchAll(pattern)) params[match[1]!.toLowerCase()] = match[2] ?? match[3] ?? '';
  return { scheme, params };
}
