import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectOneLineError, makeTempDir, REPO_ROOT, runMlship } from '@mlship/test-utils';

const corpusDir = join(REPO_ROOT, 'packages', 'data', 'test', 'bad-input');
const irisSchema = join(REPO_ROOT, 'examples', 'iris', 'schema.yaml');

/** The corpus: file name → the error code every data command must give for it. */
async function corpus(): Promise<Array<[string, string]>> {
  const manifest = JSON.parse(await readFile(join(corpusDir, 'corpus.json'), 'utf8')) as Record<string, string>;
  return Object.entries(manifest).filter(([name]) => !name.startsWith('$'));
}

describe('mlship data: the bad-input corpus (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const mlship = (args: string[]) => runMlship(args, { cwd: dir });

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-bad-input-'));
    expect((await mlship(['init'])).exitCode).toBe(0);
  });
  afterAll(() => cleanup());

  it('has a file for each entry and more than ten entries', async () => {
    const entries = await corpus();
    expect(entries.length).toBeGreaterThan(10);
    for (const [name] of entries) await expect(readFile(join(corpusDir, name))).resolves.toBeDefined();
  });

  it('every data command refuses every file with one coded line and exit 2, storing nothing', async () => {
    for (const [name, code] of await corpus()) {
      const file = join(corpusDir, name);
      const commands = name.endsWith('.json')
        ? [['data', 'drift', file, join(REPO_ROOT, 'examples', 'iris', 'iris.csv')]]
        : [
            ['data', 'validate', file, '--schema', irisSchema],
            ['data', 'profile', file],
            ['data', 'infer-schema', file],
            ['data', 'drift', file, file],
            ['data', 'register', file, '--name', 'bad'],
          ];
      const results = await Promise.all(commands.map((args) => mlship(args)));
      results.forEach((result, i) => {
        try {
          expectOneLineError(result, code, 2);
        } catch (error) {
          throw new Error(`${commands[i]!.slice(0, 2).join(' ')} ${name}: ${(error as Error).message}`);
        }
      });
    }
    const listed = await mlship(['registry', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual({ artifacts: [] });
  });
});
