import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, runMlship } from '@mlship/test-utils';

/**
 * The built CLI profiles big files on a worker thread (MLSHIP_WORKER_MIN_BYTES, default 16 MiB, sets
 * what is big). Worker and calling thread must give the same profile, with `data profile` and with
 * `data validate --profile-out`.
 */
describe('profiling on a worker thread (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let csv: string;
  const worker = { MLSHIP_WORKER_MIN_BYTES: '0' };
  const inThread = { MLSHIP_WORKER_MIN_BYTES: String(2 ** 50) };

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-worker-'));
    csv = join(dir, 'table.csv');
    const lines = ['id,x,y,city,flag'];
    for (let i = 0; i < 60_000; i += 1) {
      // Numbers, a missing cell now and then, text in a numeric column, a categorical column.
      const x = i % 997 === 0 ? '' : ((i * 7919) % 100_003) / 100;
      const y = i % 20_000 === 0 ? 'n/a' : i % 30_001 === 0 ? 'oops' : Math.sin(i).toFixed(6);
      lines.push(`${i},${x},${y},${['paris', 'rome', 'oslo'][i % 3]},${i % 2 === 0}`);
    }
    await writeFile(csv, `${lines.join('\n')}\n`);
  });
  afterAll(() => cleanup());

  const profileWith = async (env: Record<string, string>, args: string[], out: string) => {
    const result = await runMlship([...args, out], { cwd: dir, env });
    expect([0, 1]).toContain(result.exitCode); // validation checks may fail; the profile is written either way
    return JSON.parse(await readFile(out, 'utf8'));
  };

  it('data profile gives the same profile on a worker as on the calling thread', async () => {
    const args = ['data', 'profile', csv, '--out'];
    const onWorker = await profileWith(worker, args, join(dir, 'worker.json'));
    const here = await profileWith(inThread, args, join(dir, 'here.json'));
    expect(onWorker).toEqual(here);
    expect(onWorker.rowCount).toBe(60_000);
    expect(onWorker.columns.y.kind).toBe('categorical'); // 'oops' is text
    expect(onWorker.columns.x.nullCount).toBe(61);
  });

  it('data validate --profile-out gives the same profile on a worker as on the calling thread', async () => {
    const schema = join(dir, 'schema.yaml');
    expect((await runMlship(['data', 'infer-schema', csv, '--out', schema], { cwd: dir })).exitCode).toBe(0);
    const args = ['data', 'validate', csv, '--schema', schema, '--profile-out'];
    const onWorker = await profileWith(worker, args, join(dir, 'validate-worker.json'));
    const here = await profileWith(inThread, args, join(dir, 'validate-here.json'));
    expect(onWorker).toEqual(here);
    expect(onWorker.columns.city.distinctCount).toBe(3);
  });
});
