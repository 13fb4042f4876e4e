// Writes the generated docs from the code; with --check, writes nothing and fails naming each stale one:
//  - docs/cli.md from the command definitions (src/cli-docs.ts);
//  - docs/errors.md from the errorCodes({...}) tables in packages/*/src (src/error-docs.ts);
//  - the block between <!-- deps:start --> and <!-- deps:end --> in docs/architecture.md from
//    packages/*/package.json and the imports in packages/*/src (src/workspace-deps.ts).
// It runs on dist/, so build first.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCliDocs } from '../dist/cli-docs.js';
import { findErrorTables, renderErrorDocs, runtimeSources } from '../dist/error-docs.js';
import { renderDependencyBlock, replaceBlock } from '../dist/workspace-deps.js';
import { readWorkspace } from '../dist/workspace-sources.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // missing counts as stale
  }
};

const workspace = readWorkspace(root);
const { tables, problems } = findErrorTables(runtimeSources(workspace));
if (problems.length > 0) {
  process.stderr.write(`cannot write docs/errors.md:\n${problems.map((problem) => `  ${problem}\n`).join('')}`);
  process.exit(1);
}
const architecture = join(root, 'docs', 'architecture.md');
const docs = [
  [join(root, 'docs', 'cli.md'), renderCliDocs()],
  [join(root, 'docs', 'errors.md'), renderErrorDocs(tables)],
  [architecture, replaceBlock(read(architecture), renderDependencyBlock(workspace))],
];

if (process.argv.includes('--check')) {
  const stale = docs.filter(([path, fresh]) => read(path) !== fresh).map(([path]) => relative(root, path));
  if (stale.length > 0) {
    process.stderr.write(`${stale.join(', ')} ${stale.length === 1 ? 'is' : 'are'} stale: run \`pnpm run docs\` and commit the result\n`);
    process.exit(1);
  }
} else {
  for (const [path, fresh] of docs) {
    if (read(path) === fresh) continue;
    writeFileSync(path, fresh);
    process.stdout.write(`wrote ${relative(root, path)}\n`);
  }
}
