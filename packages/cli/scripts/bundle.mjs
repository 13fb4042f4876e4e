// Bundles the CLI into packages/cli/dist/bundle/ for start-up speed (the CLI runs in git hooks):
//  - mlship.cjs: the front (commander, chalk, the command definitions, the light parts of core), one
//    CommonJS file, because Node starts a CommonJS entry faster than an ES module graph;
//  - <package>.mjs: each capability package (registry, …) as ES modules with shared chunks, imported
//    by a command only when it runs. Native or heavy modules stay external;
//  - serve-runtime.mjs: the container images' server (`mlship package`), one self-contained ES module
//    with only onnxruntime-node external, and serve-runtime.packages.json naming the npm packages
//    inlined into it (for the bundle's SBOM).
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(cliDir, '..');
const outdir = join(cliDir, 'dist', 'bundle');
// @cyclonedx/cyclonedx-library (packager) requires its optional peers (validators, XML) at the top of
// plug-in files that it loads inside try/catch; left external, a missing one is just a plug-in it lacks.
const cyclonedxOptionalPeers = ['ajv-formats', 'ajv-formats-draft2019', 'libxmljs2', 'xmlbuilder2', 'packageurl-js', 'spdx-expression-parse'];
const external = ['onnxruntime-node', '@tensorflow/*', ...cyclonedxOptionalPeers];
/**
 * Packages the front imports lazily; each becomes `<name>.mjs`. Not `oci`, a library the registry and
 * packager bundles share (as a chunk); subpath imports (`@mlship/onnx/runtime`) resolve through each
 * package's `exports`, like the package itself.
 */
const lazy = readdirSync(packagesDir).filter((name) => !['cli', 'core', 'oci', 'test-utils'].includes(name));

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

// The server runtime of `mlship package` bundles: one file, no chunks, everything inlined but
// onnxruntime-node (native binaries; the bundle ships it in node_modules). Paths in the output and
// the metafile are relative to the repository root, so the file does not depend on where this ran.
const serveRuntimeEntry = join(packagesDir, 'serve', 'src', 'runtime-main.ts');
if (existsSync(serveRuntimeEntry)) {
  const repoRoot = join(packagesDir, '..');
  const { metafile } = await build({
    entryPoints: [serveRuntimeEntry],
    outfile: join(outdir, 'serve-runtime.mjs'),
    absWorkingDir: repoRoot,
    bundle: true,
    splitting: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    metafile: true,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __mlshipCreateRequire } from 'node:module'; const require = __mlshipCreateRequire(import.meta.url);" },
    external: ['onnxruntime-node'],
  });
  writeFileSync(join(outdir, 'serve-runtime.packages.json'), `${JSON.stringify(inlinedPackages(repoRoot, metafile), null, 2)}\n`);
} else {
  console.warn(`bundle: ${serveRuntimeEntry} is missing: serve-runtime.mjs is not built, so \`mlship package\` cannot run`);
}

/**
 * The npm packages whose files esbuild inlined (inputs under node_modules/), each read from its
 * package.json: name, version, license and the dependencies it declares, sorted by name.
 */
function inlinedPackages(root, metafile) {
  const found = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!match) continue;
    const manifest = JSON.parse(readFileSync(join(root, match[1], 'package.json'), 'utf8'));
    const key = `${manifest.name}@${manifest.version}`;
    if (found.has(key)) continue;
    const license = typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? null);
    found.set(key, { name: manifest.name, version: manifest.version, license, dependencies: Object.keys(manifest.dependencies ?? {}).sort() });
  }
  const packages = [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));
  return { format: 'mlship.runtime-packages.v1', runtime: 'serve-runtime.mjs', external: ['onnxruntime-node'], packages };
}
