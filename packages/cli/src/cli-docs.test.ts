import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '@mlship/test-utils';
import { renderCliDocs } from './cli-docs.js';

describe('docs/cli.md', () => {
  it('matches the command definitions (run `pnpm run docs` when this fails)', async () => {
    expect(await readFile(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8')).toBe(renderCliDocs());
  });

  it('documents every registered command', () => {
    const docs = renderCliDocs();
    for (const command of ['mlship init', 'mlship registry put', 'mlship registry verify', 'mlship registry push', 'mlship registry pull']) {
      expect(docs).toContain(`\`${command} `);
    }
  });
});
