// Names and values from data reach the terminal escaped: a CSV header or an imported label holding
// terminal escape sequences (retitle the window, clear the screen) is printed as visible text.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, runMlship, type CliResult } from '@mlship/test-utils';

const HOSTILE = '\u001b]0;PWNED\u0007\u001b[2J';

/** Raw control characters in what a command printed (escapes written as text are fine). */
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const rawControls = (result: CliResult) => `${result.stdout}${result.stderr}`.match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g) ?? [];

describe('terminal escape injection (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const mlship = (args: string[], cwd = dir) => runMlship(args, { cwd });

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-escapes-'));
    expect((await mlship(['init'])).exitCode).toBe(0);
    await writeFile(join(dir, 'hostile.csv'), `x,"${HOSTILE}"\n1,a\n2,b\n3,a\n`);
    await writeFile(join(dir, 'schema.yaml'), 'version: 1\ncolumns:\n  x: {type: integer}\n');
    await writeFile(join(dir, 'model.bin'), 'weights');
  });
  afterAll(() => cleanup());

  it('data validate, profile and infer-schema print a hostile CSV header as visible escapes', async () => {
    for (const args of [
      ['data', 'validate', 'hostile.csv', '--schema', 'schema.yaml', '--fail-on', 'error'],
      ['data', 'profile', 'hostile.csv'],
      ['data', 'infer-schema', 'hostile.csv'],
      ['data', 'validate', 'hostile.csv', '--schema', 'missing.yaml'],
    ]) {
      const result = await mlship(args);
      expect([args.join(' '), rawControls(result)]).toEqual([args.join(' '), []]);
    }
    const profile = await mlship(['data', 'profile', 'hostile.csv']);
    expect(profile.stdout).toContain('\\x1b]0;PWNED\\x07');
  });

  it('registry put, show, list, export and import print hostile labels escaped', async () => {
    const put = await mlship(['registry', 'put', 'models/m', 'model.bin', '--meta', `owner=${HOSTILE}`]);
    expect(put.exitCode).toBe(0);
    const exported = await mlship(['registry', 'export', 'models/m:1', '--out', 'm.tar']);
    expect(exported.exitCode).toBe(0);
    const { dir: other, cleanup: done } = await makeTempDir('mlship-escapes-import-');
    try {
      expect((await mlship(['init'], other)).exitCode).toBe(0);
      for (const [args, cwd] of [
        [['registry', 'show', 'models/m:1'], dir],
        [['registry', 'list'], dir],
        [['registry', 'import', join(dir, 'm.tar')], other],
        [['registry', 'show', 'models/m:1'], other],
      ] as const) {
        const result = await mlship([...args], cwd);
        expect(result.exitCode).toBe(0);
        expect([args.join(' '), rawControls(result)]).toEqual([args.join(' '), []]);
      }
      expect((await mlship(['registry', 'show', 'models/m:1'], other)).stdout).toContain('\\x1b]0;PWNED\\x07');
    } finally {
      await done();
    }
  });
});
