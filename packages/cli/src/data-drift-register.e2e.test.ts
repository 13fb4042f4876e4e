import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectOneLineError, makeTempDir, REPO_ROOT, runMlship } from '@mlship/test-utils';

const example = (name: string, file: string) => join(REPO_ROOT, 'examples', name, file);
const iris = example('iris', 'iris.csv');

/** Iris with two features shifted (sepal length × 1.15, petal length + 0.8): values scipy's ks_2samp was run on. */
async function writeShiftedIris(path: string): Promise<void> {
  const [header, ...rows] = (await readFile(iris, 'utf8')).trim().split(/\r?\n/);
  const shifted = rows.map((row) => {
    const cells = row.split(',');
    cells[0] = String(Math.round(Number(cells[0]) * 1.15 * 100) / 100);
    cells[2] = String(Math.round((Number(cells[2]) + 0.8) * 100) / 100);
    return cells.join(',');
  });
  await writeFile(path, `${[header, ...shifted].join('\n')}\n`);
}

describe('mlship data drift and data register (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const mlship = (args: string[]) => runMlship(args, { cwd: dir });
  const json = async (args: string[]) => {
    const result = await mlship([...args, '--json']);
    return { ...result, data: JSON.parse(result.stdout) };
  };

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-drift-cli-'));
    expect((await mlship(['init'])).exitCode).toBe(0);
  });
  afterEach(() => cleanup());

  it('finds the shifted iris columns with KS p-values equal to scipy, and PSI beside them', async () => {
    await writeShiftedIris(join(dir, 'shifted.csv'));
    const same = await json(['data', 'drift', iris, iris]);
    expect(same.exitCode).toBe(0);
    expect(same.data.columns.every((column: { drifted: boolean }) => !column.drifted)).toBe(true);

    const result = await json(['data', 'drift', iris, 'shifted.csv', '--fail-on', 'column']);
    expect(result.exitCode).toBe(1);
    const byName = Object.fromEntries(result.data.columns.map((column: { column: string }) => [column.column, column]));
    // scipy.stats.ks_2samp on the same columns: statistic 0.37333…, p 1.072155189478446e-09; 0.32, p 3.426778625182062e-07.
    expect(byName.sepal_length).toMatchObject({ method: 'ks', drifted: true, exact: true, statistic: expect.closeTo(0.373333333, 8) });
    expect(byName.sepal_length.score).toBeCloseTo(1.072155189478446e-9, 15);
    expect(byName.petal_length.score).toBeCloseTo(3.426778625182062e-7, 12);
    expect(byName.sepal_length.psi).toBeGreaterThan(0.2);
    expect(byName.species).toMatchObject({ method: 'chisquare', score: 1, drifted: false });
    expect(result.data.dataset).toMatchObject({ drifted: false, driftedColumns: ['sepal_length', 'petal_length'], columnCount: 5 });

    const text = await mlship(['data', 'drift', iris, 'shifted.csv', '--method', 'psi', '--threshold', 'sepal_length=5']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^sepal_length\s+psi\s+[\d.]+\s+5\s+[\d.]+\s+ok$/m);
    expect(text.stdout).toMatch(/^petal_length\s+psi\s+.*DRIFT$/m);
    expect(text.stdout).toMatch(/NO DATASET DRIFT: 1 of 5 columns drifted/);
  });

  it('registers iris with its schema, profile and report, then compares new data with the stored profile', async () => {
    const stored = await json(['data', 'register', iris, '--name', 'iris', '--schema', example('iris', 'schema.yaml'), '--meta', 'source=uci']);
    expect(stored.exitCode).toBe(0);
    expect(stored.data).toMatchObject({ ref: 'datasets/iris:1', status: 'ok', dataset: { rows: 150, schema: 'given', columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'] } });
    const shown = await json(['registry', 'show', 'datasets/iris:1']);
    expect(shown.data.files.map((file: { name: string }) => file.name).sort()).toEqual(['iris.csv', 'profile.json', 'schema.yaml', 'validation.json']);
    const irisFile = shown.data.files.find((file: { name: string }) => file.name === 'iris.csv');
    expect(shown.data.metadata.extra.dataset).toMatchObject({ rows: 150, digest: irisFile.digest, validation: { ok: true } });
    expect(shown.data.metadata).toMatchObject({ status: 'ok', labels: { source: 'uci' }, metrics: { rows: 150, columns: 5 } });

    await writeShiftedIris(join(dir, 'shifted.csv'));
    expect((await mlship(['data', 'profile', 'shifted.csv', '--out', 'shifted-profile.json'])).exitCode).toBe(0);
    const fromProfiles = await json(['data', 'drift', 'datasets/iris:1', 'shifted-profile.json']);
    const fromFiles = await json(['data', 'drift', iris, 'shifted.csv']);
    expect(fromProfiles.data.reference).toMatchObject({ type: 'dataset', name: 'datasets/iris:1', digest: stored.data.digest });
    expect(fromProfiles.data.current).toMatchObject({ type: 'profile' });
    expect(fromProfiles.data.columns).toEqual(fromFiles.data.columns);
  });

  it('refuses invalid data unless --allow-invalid, and then marks the version failed', async () => {
    const lines = (await readFile(iris, 'utf8')).trimEnd().split('\n');
    lines[5] = '55.0,3.1,1.5,0.2,setosa';
    await writeFile(join(dir, 'bad.csv'), `${lines.join('\n')}\n`);
    const refused = await mlship(['data', 'register', 'bad.csv', '--name', 'iris', '--schema', example('iris', 'schema.yaml')]);
    expectOneLineError(refused, 'MLSHIP_E_CHECK_FAILED', 1);
    expect(refused.stderr).toContain('range[sepal_length]');
    expect(JSON.parse((await mlship(['registry', 'list', '--json'])).stdout)).toEqual({ artifacts: [] });

    const allowed = await json(['data', 'register', 'bad.csv', '--name', 'iris', '--schema', example('iris', 'schema.yaml'), '--allow-invalid']);
    expect(allowed.exitCode).toBe(0);
    expect(allowed.data).toMatchObject({ ref: 'datasets/iris:1', status: 'failed', dataset: { validation: { ok: false, failed: ['range[sepal_length]'] } } });
    expect((await json(['registry', 'show', 'datasets/iris:1'])).data.metadata.status).toBe('failed');
  });

  it('registers digits with an inferred schema and finds no drift between its halves', async () => {
    const stored = await json(['data', 'register', example('digits', 'digits.csv'), '--name', 'digits', '--label', 'digit']);
    expect(stored.data).toMatchObject({ ref: 'datasets/digits:1', status: 'ok', dataset: { rows: 1797, schema: 'inferred' } });
    expect(stored.data.dataset.columns).toHaveLength(65);
    const schema = await mlship(['registry', 'get', 'datasets/digits:1', '--file', 'schema.yaml', '--out', '.']);
    expect(schema.exitCode).toBe(0);
    expect(await readFile(join(dir, 'schema.yaml'), 'utf8')).toMatch(/label: digit/);
    const [header, ...rows] = (await readFile(example('digits', 'digits.csv'), 'utf8')).trim().split(/\r?\n/);
    await writeFile(join(dir, 'first.csv'), `${[header, ...rows.filter((_, i) => i % 2 === 0)].join('\n')}\n`);
    await writeFile(join(dir, 'second.csv'), `${[header, ...rows.filter((_, i) => i % 2 === 1)].join('\n')}\n`);
    const halves = await json(['data', 'drift', 'first.csv', 'second.csv', '--exclude', 'digit']);
    expect(halves.exitCode).toBe(0);
    expect(halves.data.columns).toHaveLength(64);
    expect(halves.data.dataset.drifted).toBe(false);
    expect(halves.data.dataset.driftedShare).toBeLessThan(0.15);
  });

  it('gives one coded line for bad drift and register arguments', async () => {
    expectOneLineError(await mlship(['data', 'drift', iris, iris, '--method', 'magic']), 'MLSHIP_E_USAGE', 2);
    expectOneLineError(await mlship(['data', 'drift', iris, iris, '--threshold', 'x=-1']), 'MLSHIP_E_USAGE', 2);
    expectOneLineError(await mlship(['data', 'drift', iris, iris, '--drift-share', '2']), 'MLSHIP_E_USAGE', 2);
    expectOneLineError(await mlship(['data', 'drift', iris, iris, '--columns', 'nope']), 'MLSHIP_E_USAGE', 2);
    expectOneLineError(await mlship(['data', 'drift', iris, iris, '--method', 'species=ks']), 'MLSHIP_E_USAGE', 2);
    expectOneLineError(await mlship(['data', 'drift', iris, 'missing.csv']), 'MLSHIP_E_FILE_NOT_FOUND', 2);
    expectOneLineError(await mlship(['data', 'drift', 'datasets/nope:1', iris]), 'MLSHIP_E_REF_NOT_FOUND', 2);
    await mlship(['registry', 'put', 'datasets/raw', iris]);
    expectOneLineError(await mlship(['data', 'drift', 'datasets/raw:1', iris]), 'MLSHIP_E_USAGE', 2);
    expectOneLineError(await mlship(['data', 'register', iris, '--name', 'bad/name']), 'MLSHIP_E_USAGE|MLSHIP_E_REF_INVALID', 2);
    expectOneLineError(await mlship(['data', 'register', iris]), 'MLSHIP_E_USAGE', 2);
  });
});
