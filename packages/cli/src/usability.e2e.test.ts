// Small things a new user meets: typos get suggestions, reports say where they were written, and the
// drift verdict names what failed the run.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectOneLineError, makeTempDir, REPO_ROOT, runMlship, runMlshipJson } from '@mlship/test-utils';

const iris = join(REPO_ROOT, 'examples', 'iris', 'iris.csv');
const schema = join(REPO_ROOT, 'examples', 'iris', 'schema.yaml');

describe('usability (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await makeTempDir('mlship-usability-')));
  afterAll(() => cleanup());

  it('suggests the command or option meant by a typo, in one line', async () => {
    const command = await runMlship(['trian'], { cwd: dir });
    expectOneLineError(command, 'MLSHIP_E_USAGE', 2);
    expect(command.stderr).toMatch(/unknown command 'trian' \(hint: did you mean train\?/);
    const sub = await runMlship(['data', 'valdate', 'x.csv'], { cwd: dir });
    expect(sub.stderr).toMatch(/did you mean validate\?/);
    // Commander checks required options first; the mistyped --data must still be named as the problem.
    const option = await runMlship(['train', '--dat', 'x.csv'], { cwd: dir });
    expectOneLineError(option, 'MLSHIP_E_USAGE', 2);
    expect(option.stderr).toMatch(/unknown option '--dat' \(hint: did you mean --data\?\)/);
  });

  it('data validate says where it wrote its reports, in text and JSON', async () => {
    const text = await runMlship(['data', 'validate', iris, '--schema', schema, '--junit', 'checks.xml', '--report', 'report.html'], { cwd: dir });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^wrote the JUnit report to checks\.xml$/m);
    expect(text.stdout).toMatch(/^wrote the HTML report to report\.html$/m);
    const json = await runMlshipJson(['data', 'validate', iris, '--schema', schema, '--profile-out', 'p.json'], { cwd: dir });
    expect(json.data.written).toEqual({ profile: 'p.json' });
  });

  it('data drift --fail-on column names column drift as the reason it exits 1', async () => {
    // sepal_length × 1.3: one column of five drifts, the dataset does not.
    const [header, ...rows] = (await readFile(iris, 'utf8')).trim().split('\n');
    await writeFile(join(dir, 'shifted.csv'), `${[header, ...rows.map((row) => row.replace(/^[^,]+/, (x) => String(Number(x) * 1.3)))].join('\n')}\n`);
    const result = await runMlship(['data', 'drift', iris, 'shifted.csv', '--fail-on', 'column'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^COLUMN DRIFT \(--fail-on column\), NO DATASET DRIFT: 1 of 5 columns drifted/m);
    expect(result.stdout).not.toMatch(/^NO DATASET DRIFT/m);
  });
});
