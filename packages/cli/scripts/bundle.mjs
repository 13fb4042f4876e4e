// Bundles the CLI into packages/cli/dist/bundle/ for start-up speed (the CLI runs in git hooks):
//  - mlship.cjs: the front (commander, chalk, the command definitions, the light parts of core), one
//    CommonJS file, because Node starts a CommonJS entry faster than an ES module graph;
//  - <package>.mjs: each capability package (registry, …) as ES modules with shared chunks, imported
//    by a command only when it runs. Native or heavy modules stay external.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(cliDir, '..');
const outdir = join(cliDir, 'dist', 'bundle');
const external = ['onnxruntime-node', '@tensorflow/*'];
/** Packages the front imports lazily; each becomes `<name>.mjs`. */
const lazy = readdirSync(packagesDir).filter((name) => !['cli', 'core', 'test-utils'].includes(name));

rmSync(outdir, { recursive: true, force: true });

const lazyPackagesAsSiblings = {
  name: 'lazy-packages',
  setup(builder) {
    builder.onResolve({ filter: /^@mlship\/[a-z-]+$/ }, (args) => {
      const name = args.path.slice('@mlship/'.length);
      return lazy.includes(name) ? { path: `./${name}.mjs`, external: true } : undefined;
    });
  },
};

await build({
  entryPoints: [join(cliDir, 'src', 'bin.ts')],
  outfile: join(outdir, 'mlship.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [lazyPackagesAsSiblings],
  external,
});

await build({
  entryPoints: {
    ...Object.fromEntries(lazy.map((name) => [name, join(packagesDir, name, 'src', 'index.ts')])),
    // Worker threads start from a file of their own (see packages/data/src/batch-profiler.ts).
    'data-profile-worker': join(packagesDir, 'data', 'src', 'profile-worker.ts'),
  },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require(); give the ES module bundle one.
  banner: { js: "import { createRequire as __mlshipCreateRequire } from 'node:module'; const require = __mlshipCreateRequire(import.meta.url);" },
  external,
});
