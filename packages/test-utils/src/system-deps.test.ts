/**
 * `npm run ci` on a fresh machine installs only what scripts/system-deps.sh installs: every program
 * the tests and their helpers start must be installed there, be Node or a node_modules/.bin
 * binary, or be part of a base Debian system (BASE_SYSTEM).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findStartedPrograms, findUninstalledPrograms, programsInCommandLine, readSystemDepsPrograms, type SourceText } from '../test/started-programs.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Programs every CI machine has without system-deps.sh, each with why: Node, and Debian packages
 * marked Essential (dpkg installs them everywhere, even in a minimal system) or priority required.
 */
const BASE_SYSTEM: Array<[programs: string[], reason: string]> = [
  [['node'], 'Node runs the tests; process.execPath counts as node'],
  [['git'], 'not in a minimal Debian, but CI works in a git clone, so git is there'],
  [['sh'], 'dash: Essential'],
  [['bash'], 'bash: Essential; CI runs scripts/ci.sh with it'],
  [['cat', 'chmod', 'echo', 'false', 'true', 'cp', 'cut', 'dd', 'env', 'head', 'ln', 'ls', 'mkdir', 'mkfifo', 'mktemp', 'mv', 'od', 'rm', 'sha256sum', 'sleep', 'sort', 'tail', 'touch', 'tr', 'truncate', 'uniq', 'wc'], 'coreutils: Essential'],
  [['tar'], 'tar: Essential'],
  [['gzip'], 'gzip: Essential'],
  [['grep'], 'grep: Essential'],
  [['sed'], 'sed: Essential'],
  [['find', 'xargs'], 'findutils: Essential'],
  [['cmp', 'diff'], 'diffutils: Essential'],
  [['ldd'], 'libc-bin: Essential'],
  [['dpkg', 'dpkg-deb'], 'dpkg: Essential'],
  [['apt-get'], 'apt: priority required; system-deps.sh itself runs it'],
];

/** The check's own files: the inline examples below start made-up programs on purpose. */
const OWN_FILES = new Set(['packages/test-utils/test/started-programs.ts', 'packages/test-utils/src/system-deps.test.ts']);

/** Test code: tests under packages/{pkg}/src, all of test-utils/src, and packages/{pkg}/test (helpers and fixtures). */
function readTestSources(): SourceText[] {
  const sources: SourceText[] = [];
  const walk = (dir: string, take: (name: string) => boolean) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'dist') walk(path, take);
      else if (entry.isFile() && /\.[cm]?[jt]s$/.test(entry.name) && take(entry.name)) {
        const file = relative(ROOT, path).split('\\').join('/');
        if (!OWN_FILES.has(file)) sources.push({ path: file, text: readFileSync(path, 'utf8') });
      }
    }
  };
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    const dir = join(ROOT, 'packages', pkg);
    if (existsSync(join(dir, 'src'))) walk(join(dir, 'src'), (name) => pkg === 'test-utils' || /\.test\.[cm]?[jt]s$/.test(name));
    if (existsSync(join(dir, 'test'))) walk(join(dir, 'test'), () => true);
  }
  return sources;
}

/** Binaries of node_modules/.bin, the root's and each package's. */
function nodeModulesBinaries(): string[] {
  const dirs = [ROOT, ...readdirSync(join(ROOT, 'packages')).map((pkg) => join(ROOT, 'packages', pkg))].map((dir) => join(dir, 'node_modules', '.bin'));
  return dirs.filter((dir) => existsSync(dir)).flatMap((dir) => readdirSync(dir));
}

describe('findStartedPrograms', () => {
  const started = (text: string) => findStartedPrograms([{ path: 'a.test.ts', text }]).map((start) => start.program ?? `? ${start.expression}`);

  it('names literal programs of execa, child_process and execa templates', () => {
    const text = `
      import { execa, $ } from 'execa';
      import { spawn as start } from 'node:child_process';
      import * as cp from 'node:child_process';
      const PYTHON = '/usr/bin/python3';
      await execa(
        'umoci',
        ['unpack'],
      );
      await execa(PYTHON, ['-c', '1']);
      start(process.execPath, ['x.mjs']);
      cp.execFileSync('openssl', ['req']);
      cp.execSync('curl -s http://x | jq .');
      await $\`skopeo inspect \${ref}\`;
      await execa({ env })('podman', ['ps']);
    `;
    expect(started(text)).toEqual(['umoci', '/usr/bin/python3', 'node', 'openssl', 'curl', 'jq', 'skopeo', 'podman']);
  });

  it('names the programs of a sh -c command line', () => {
    const text = `
      import { execa } from 'execa';
      await execa('sh', ['-c', \`tar -xzOf \${layer} --wildcards '*linux/arm64/x | y' | head -c 20 | od -An 2>&1 && FOO=1 gzip -t x\`]);
    `;
    expect(started(text)).toEqual(['sh', 'tar', 'head', 'od', 'gzip']);
  });

  it('follows wrappers to the programs their callers pass, in files that import them too', () => {
    const helper = `
      import { execa } from 'execa';
      export const runTool = (program: string, args: string[]) => execa(program, args);
      export function runCommand(command: string[]) { return execa(command[0], command.slice(1)); }
    `;
    const test = `
      import { runCommand, runTool } from './helper.js';
      await runTool('umoci', ['unpack']);
      await runCommand(['qemu-aarch64-static', '/bin/true']);
    `;
    const starts = findStartedPrograms([
      { path: 'helper.ts', text: helper },
      { path: 'b.test.ts', text: test },
      { path: 'c.test.ts', text: "const runTool = (name: string) => name;\nrunTool('not-a-program');" },
    ]);
    expect(starts.map(({ program, path, line }) => [program, path, line])).toEqual([
      ['umoci', 'b.test.ts', 3],
      ['qemu-aarch64-static', 'b.test.ts', 4],
    ]);
  });

  it('reports a computed program and ignores what starts nothing', () => {
    const text = `
      import { execa } from 'execa';
      const tool = ['sko', 'peo'].join('');
      await execa(tool, ['inspect']);
      /x/.exec('umoci');
      const spawn = (name: string) => name;
      spawn('umoci');
    `;
    expect(started(text)).toEqual(['? tool']);
  });

  it('takes a computed program from a starts: comment on the line above', () => {
    const text = `
      import { spawn } from 'node:child_process';
      const qemu = await findOnPath('qemu-aarch64-static');
      // starts: qemu-aarch64-static
      const child = spawn(qemu, ['-L', rootfs, program]);
    `;
    expect(started(text)).toEqual(['qemu-aarch64-static']);
  });

  it('takes the first word of each part of a command line, builtins and assignments skipped', () => {
    expect(programsInCommandLine('cd /tmp && LANG=C sort x | uniq -c; echo $(umoci --version) 2>&1 & wait')).toEqual(['sort', 'uniq', 'umoci']);
  });
});

describe('readSystemDepsPrograms', () => {
  it('reads command -v, [ -x ] and a checked program, each with the packages it adds', () => {
    const script = `
# command -v commented || need+=(nothing)
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
command -v qemu-aarch64-static >/dev/null 2>&1 || need+=(qemu-user-static)
[ -x /bin/busybox ] || need+=(busybox-static)
/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || need+=(python3-onnx)
[ \${#need[@]} -eq 0 ] && exit 0
`;
    expect(Object.fromEntries(readSystemDepsPrograms(script))).toEqual({
      skopeo: ['skopeo'],
      htpasswd: ['apache2-utils'],
      'qemu-aarch64-static': ['qemu-user-static'],
      '/bin/busybox': ['busybox-static'],
      '/usr/bin/python3': ['python3-onnx'],
    });
  });
});

describe('findUninstalledPrograms', () => {
  const sources = [
    { path: 'packages/packager/src/image/build-image.test.ts', text: "import { execa } from 'execa';\nawait execa('skopeo', []);\nawait execa('umoci', []);\nawait execa('umoci', []);\nawait execa('python3', []);\nawait execa('tar', []);" },
  ];
  const systemDeps = 'command -v skopeo >/dev/null 2>&1 || need+=(skopeo)\n/usr/bin/python3 -c "import onnx" || need+=(python3-onnx)\n';

  it('names each program nothing provides, with its file and lines', () => {
    expect(findUninstalledPrograms({ sources, systemDeps, provided: new Set(['tar']) })).toEqual([
      'packages/packager/src/image/build-image.test.ts:3,4 starts umoci, which scripts/system-deps.sh does not install: add `command -v umoci >/dev/null 2>&1 || need+=(DEBIAN_PACKAGE)`',
    ]);
  });

  it('passes once system-deps.sh installs it', () => {
    expect(findUninstalledPrograms({ sources, systemDeps: `${systemDeps}command -v umoci >/dev/null 2>&1 || need+=(umoci)\n`, provided: new Set(['tar']) })).toEqual([]);
  });
});

describe('scripts/system-deps.sh', () => {
  it('installs every program the tests and their helpers start', () => {
    const sources = readTestSources();
    expect(sources.length).toBeGreaterThan(50);
    const systemDeps = readFileSync(join(ROOT, 'scripts', 'system-deps.sh'), 'utf8');
    const provided = new Set([...BASE_SYSTEM.flatMap(([programs]) => programs), ...nodeModulesBinaries()]);
    expect(findUninstalledPrograms({ sources, systemDeps, provided })).toEqual([]);
  });
});
