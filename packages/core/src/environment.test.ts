import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureGit, withoutCredentials } from './environment.js';

/** A temp git repository with one commit on main, and a git runner in it. */
async function gitRepository(): Promise<{ dir: string; git: (...args: string[]) => Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'mlship-git-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  await writeFile(join(dir, 'a.txt'), 'a');
  git('add', 'a.txt');
  git('commit', '-q', '-m', 'a');
  return { dir, git };
}

describe('captureGit', () => {
  it('records commit, branch, dirty state and the origin remote without credentials', async () => {
    const { dir, git } = await gitRepository();
    try {
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
    expect(withoutCredentials('ssh://git@host:22/x')).toBe('ssh://host:22/x');
  });

  it('drops every credential form: a password holding @, query tokens, fragments, users of ssh and scp-style remotes', () => {
    const cases: [string, string | undefined][] = [
      ['https://alice:p@ssw0rd-SECRET@host/repo.git', 'https://host/repo.git'],
      ['https://alice:p%40ss@host:8443/team/repo.git', 'https://host:8443/team/repo.git'],
      ['https://host/repo.git?private_token=SECRET&x=1', 'https://host/repo.git'],
      ['https://host/repo.git#SECRET', 'https://host/repo.git'],
      ['HTTPS://Alice:SECRET@Host.Example.com/Repo.git', 'https://host.example.com/Repo.git'],
      ['ssh://alice@host/x.git', 'ssh://host/x.git'],
      ['git+ssh://alice:SECRET@host/x.git', 'git+ssh://host/x.git'],
      ['git://host/x.git', 'git://host/x.git'],
      ['http://[::1]:8080/x.git', 'http://[::1]:8080/x.git'],
      // scp-style remotes keep their form without the user.
      ['git@github.com:team/x.git', 'github.com:team/x.git'],
      ['alice@host.example.com:team/x.git', 'host.example.com:team/x.git'],
      ['github.com:team/x.git', 'github.com:team/x.git'],
      // What does not parse as a remote URL, or names a local path or a command, is dropped.
      ['alice:SECRET@host:team/x.git', undefined],
      ['git@host:team/x.git?token=SECRET', undefined],
      ['not a url', undefined],
      ['/srv/git/x.git', undefined],
      ['../x.git', undefined],
      ['file:///home/alice/x.git', undefined],
      ['ext::ssh -i /home/alice/.ssh/key host git-upload-pack x', undefined],
      ['https://', undefined],
      ['', undefined],
    ];
    for (const [url, expected] of cases) expect([url, withoutCredentials(url)]).toEqual([url, expected]);
  });

  it('records no secret of an origin remote from a real repository, and no remote that does not parse', async () => {
    const { dir, git } = await gitRepository();
    try {
      const remotes: [string, string | undefined][] = [
        ['https://alice:p@ssw0rd-SECRET@git.example.com/team/models.git', 'https://git.example.com/team/models.git'],
        ['https://git.example.com/team/models.git?private_token=SECRET#SECRET', 'https://git.example.com/team/models.git'],
        ['ssh://alice@git.example.com/team/models.git', 'ssh://git.example.com/team/models.git'],
        ['git@git.example.com:team/models.git', 'git.example.com:team/models.git'],
        ['/srv/SECRET/models.git', undefined],
      ];
      for (const [url, expected] of remotes) {
        git('remote', 'add', 'origin', url);
        const recorded = await captureGit(dir);
        expect([url, recorded?.remote]).toEqual([url, expected]);
        expect(recorded).toMatchObject({ commit: expect.stringMatching(/^[0-9a-f]{40}$/), branch: 'main' });
        expect(JSON.stringify(recorded)).not.toMatch(/SECRET|alice/);
        git('remote', 'remove', 'origin');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
