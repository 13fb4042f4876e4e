// Writes docs/cli.md from the command definitions; with --check, fails when the file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCliDocs } from '../dist/cli-docs.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'cli.md');
const fresh = renderCliDocs();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== fresh) {
    process.stderr.write('docs/cli.md is stale: run `pnpm run docs` and commit it\n');
    process.exit(1);
  }
} else {
  writeFileSync(target, fresh);
  process.stdout.write(`wrote ${target}\n`);
}
