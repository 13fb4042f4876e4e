import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureGit, withoutCredentials } from './environment.js';

describe('captureGit', () => {
  it('records commit, branch, dirty state and the origin remote without credentials', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mlship-git-'));
    try {
      const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, stdio: 'ignore' });
      git('init', '-q', '-b', 'main');
      await writeFile(join(dir, 'a.txt'), 'a');
      git('add', 'a.txt');
      git('commit', '-q', '-m', 'a');
      expect(await captureGit(dir)).toEqual({ commit: expect.stringMatching(/^[0-9a-f]{40}$/), branch: 'main', dirty: false });
      git('remote', 'add', 'origin', 'https://user:s3cret@git.example.com/team/models.git');
      await writeFile(join(dir, 'a.txt'), 'b');
      const facts = await captureGit(dir);
      expect(facts).toMatchObject({ dirty: true, remote: 'https://git.example.com/team/models.git' });
      expect(JSON.stringify(facts)).not.toContain('s3cret');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('strips only the credentials of a URL', () => {
    expect(withoutCredentials('https://token@host/x.git')).toBe('https://host/x.git');
    expect(withoutCredentials('git@github.com:team/x.git')).toBe('git@github.com:team/x.git');
    expect(withoutCredentials('ssh://git@host:22/x')).toBe('ssh://host:22/x');
  });
});
