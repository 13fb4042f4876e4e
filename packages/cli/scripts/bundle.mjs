// Bundles the CLI into packages/cli/dist/bundle/: the entry (commander, chalk, command definitions)
// is one file so that `mlship --help` starts near bare-node speed; each capability package becomes a
// chunk loaded only by the command that imports it. Native or heavy modules stay external.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(cliDir, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { mlship: join(cliDir, 'src', 'bin.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __mlshipCreateRequire } from 'node:module'; const require = __mlshipCreateRequire(import.meta.url);" },
  external: ['onnxruntime-node', '@tensorflow/*'],
});
