import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@mlship/test-utils';
import { findCredentials } from './remote/auth.js';

describe('findCredentials', () => {
  it('reads an auth file entry by host, and Docker Hub under any of its names', async () => {
    const { dir, cleanup } = await makeTempDir('mlship-auth-');
    try {
      const file = join(dir, 'auth.json');
      await mkdir(dir, { recursive: true });
      const auth = (user: string) => ({ auth: Buffer.from(`${user}:secret`).toString('base64') });
      await writeFile(file, JSON.stringify({ auths: { 'https://index.docker.io/v1/': auth('hub'), '127.0.0.1:5000': auth('local') } }));
      const env = { REGISTRY_AUTH_FILE: file, HOME: dir };
      expect(await findCredentials('registry-1.docker.io', env)).toMatchObject({ username: 'hub', password: 'secret' });
      expect(await findCredentials('docker.io', env)).toMatchObject({ username: 'hub' });
      expect(await findCredentials('127.0.0.1:5000', env)).toMatchObject({ username: 'local' });
      expect(await findCredentials('quay.io', env)).toBeUndefined();
    } finally {
      await cleanup();
    }
  });
});
