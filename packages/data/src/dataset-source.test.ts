// "A file or a datasets/ ref", resolved in one place for drift (profiles) and training (data files).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf } from '@mlship/core';
import { initRegistry, putArtifact } from '@mlship/registry';
import { caught, makeTempDir } from '@mlship/test-utils';
import { loadProfileSource, resolveDataFile } from './dataset-source.js';

describe('resolveDataFile', () => {
  it('takes an existing file, or copies a stored dataset\'s data file (not its side files)', async () => {
    const { dir, cleanup } = await makeTempDir('mlship-data-source-');
    try {
      const csv = 'a,b\n1,2\n';
      const file = join(dir, 'table.csv');
      await writeFile(file, csv);
      const { registry } = await initRegistry({ dir });
      const options = { workDir: join(dir, 'work'), registry: async () => registry };
      await mkdir(options.workDir);
      expect(await resolveDataFile(file, options)).toEqual({ path: file, digest: digestOf(csv), dataset: null, file });

      const stored = await putArtifact({
        registry,
        kind: 'datasets',
        name: 'table',
        files: [{ name: 'table.csv', data: csv }, { name: 'schema.yaml', data: 'columns: {}\n' }, { name: 'profile.json', data: '{}' }],
        git: null,
      });
      const resolved = await resolveDataFile('datasets/table:1', options);
      expect(resolved).toEqual({ path: join(options.workDir, 'table.csv'), digest: digestOf(csv), dataset: { ref: 'datasets/table:1', digest: stored.digest }, file: 'table.csv' });
      expect(await readFile(resolved.path, 'utf8')).toBe(csv);

      const missing = await caught(resolveDataFile(join(dir, 'missing.csv'), { ...options, hint: 'give a file' }));
      expect(missing).toMatchObject({ code: 'MLSHIP_E_FILE_NOT_FOUND', exitCode: 2, message: `no such file or dataset: ${join(dir, 'missing.csv')}`, hint: 'give a file' });
      expect(await caught(resolveDataFile('datasets/Bad Name', options))).toMatchObject({ code: 'MLSHIP_E_REF_INVALID' });
    } finally {
      await cleanup();
    }
  });

  it('takes dataset refs for profiles only when a registry is given', async () => {
    const error = await caught(loadProfileSource('datasets/iris:1'));
    expect(error).toMatchObject({ code: 'MLSHIP_E_FILE_NOT_FOUND', hint: 'give a data file, a profile JSON file, or a dataset ref such as datasets/iris:1' });
  });
});
