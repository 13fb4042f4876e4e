import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectOneLineError, makeTempDir, REPO_ROOT, runMlship } from '@mlship/test-utils';

const iris = join(REPO_ROOT, 'examples', 'iris', 'iris.csv');


describe('mlship data (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const mlship = (args: string[]) => runMlship(args, { cwd: dir });

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-data-cli-'));
  });
  afterEach(() => cleanup());

  it('infers a schema from iris that iris then passes', async () => {
    const inferred = await mlship(['data', 'infer-schema', iris, '--label', 'species', '--out', 'schema.yaml']);
    expect(inferred.exitCode).toBe(0);
    expect(inferred.stdout).toContain('wrote schema.yaml: 5 columns from 150 rows');
    const schema = await readFile(join(dir, 'schema.yaml'), 'utf8');
    expect(schema).toContain('species:\n    type: category');
    const result = await mlship(['data', 'validate', iris, '--schema', 'schema.yaml', '--json']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ rows: 150, ok: true, errors: 0 });
    for (const check of report.checks) expect(Object.keys(check)).toEqual(expect.arrayContaining(['check', 'column', 'status', 'count']));
  });

  it('fails injected faults with exit 1, line numbers, JUnit XML and an HTML report', async () => {
    await mlship(['data', 'infer-schema', iris, '--label', 'species', '--out', 'schema.yaml']);
    const lines = (await readFile(iris, 'utf8')).trimEnd().split('\n');
    lines[3] = '5.0,abc,1.4,0.2,setosa'; // line 4: not a number
    lines[10] = '99.0,3.1,1.5,0.2,setosa'; // line 11: out of range
    lines[20] = '5.1,3.5,1.4,0.2,daisy'; // line 21: unknown category
    lines.push('contact me at someone@example.com,3.0,1.0,0.1,setosa'); // line 152: type error and personal data
    await writeFile(join(dir, 'bad.csv'), `${lines.join('\n')}\n`);
    const result = await mlship(['data', 'validate', 'bad.csv', '--schema', 'schema.yaml', '--junit', 'checks.xml']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/FAIL type \[sepal_width\]: 1 value\(s\) are not number \(lines 4\)/);
    expect(result.stdout).toMatch(/FAIL range \[sepal_length\]: .*\(lines 11\)/);
    expect(result.stdout).toMatch(/FAIL category \[species\]: .*\(lines 21\)/);
    expect(result.stdout).toMatch(/WARN pii_email \[sepal_length\]: 1 value/);
    expect(result.stdout).not.toContain('someone@example.com');
    expect(result.stdout).toMatch(/^FAILED: 151 rows/m);
    const xml = await readFile(join(dir, 'checks.xml'), 'utf8');
    expect(xml).toContain('<failure type="range"');
  });

  it('refuses a broken schema and a missing file with one coded line and exit 2', async () => {
    await writeFile(join(dir, 'broken.yaml'), 'version: 1\ncolumns:\n  a: {type: decimal}\n');
    expectOneLineError(await mlship(['data', 'validate', iris, '--schema', 'broken.yaml']), 'MLSHIP_E_SCHEMA_INVALID', 2);
    expectOneLineError(await mlship(['data', 'validate', 'nope.csv', '--schema', 'broken.yaml']), 'MLSHIP_E_SCHEMA_INVALID|MLSHIP_E_FILE_NOT_FOUND', 2);
    expectOneLineError(await mlship(['data', 'infer-schema', 'nope.csv']), 'MLSHIP_E_FILE_NOT_FOUND', 2);
  });
});
