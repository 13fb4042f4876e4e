import { parseImageReference } from './reference.js';

describe('parseImageReference', () => {
  it('reads local transports, splitting the path at the first colon', () => {
    expect(parseImageReference('oci:/tmp/layout')).toEqual({ transport: 'oci', path: '/tmp/layout', ref: undefined, name: 'oci:/tmp/layout' });
    expect(parseImageReference('oci:.mlship/registry:images/iris:1')).toMatchObject({ transport: 'oci', path: '.mlship/registry', ref: 'images/iris:1' });
    expect(parseImageReference('oci-archive:base.tar:latest')).toMatchObject({ transport: 'oci-archive', path: 'base.tar', ref: 'latest' });
    expect(parseImageReference('docker-archive:save.tar')).toMatchObject({ transport: 'docker-archive', path: 'save.tar', ref: undefined, index: undefined });
    expect(parseImageReference('docker-archive:save.tar:localhost/base:1')).toMatchObject({ ref: 'localhost/base:1' });
    expect(parseImageReference('docker-archive:save.tar:@1')).toMatchObject({ index: 1, ref: undefined });
  });

  it('normalises registry references as docker and podman do', () => {
    expect(parseImageReference('node:20-bookworm-slim')).toMatchObject({
      transport: 'docker',
      host: 'registry-1.docker.io',
      domain: 'docker.io',
      repository: 'library/node',
      tag: '20-bookworm-slim',
      name: 'docker.io/library/node:20-bookworm-slim',
    });
    expect(parseImageReference('docker.io/library/node:20-bookworm-slim')).toMatchObject({ host: 'registry-1.docker.io', repository: 'library/node' });
    expect(parseImageReference('docker://busybox')).toMatchObject({ repository: 'library/busybox', tag: 'latest', name: 'docker.io/library/busybox:latest' });
    expect(parseImageReference('gcr.io/distroless/nodejs20-debian12')).toMatchObject({ host: 'gcr.io', repository: 'distroless/nodejs20-debian12', tag: 'latest' });
    expect(parseImageReference('docker://127.0.0.1:5000/team/base:1')).toMatchObject({ host: '127.0.0.1:5000', repository: 'team/base', tag: '1' });
    expect(parseImageReference('localhost/base:2')).toMatchObject({ host: 'localhost', repository: 'base' });
    expect(parseImageReference('oci://127.0.0.1:5000/base:1')).toMatchObject({ transport: 'docker', host: '127.0.0.1:5000' });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageReference(`quay.io/org/app:1@${digest}`)).toMatchObject({ tag: '1', digest, name: `quay.io/org/app:1@${digest}` });
    expect(parseImageReference(`docker://quay.io/org/app@${digest}`)).toMatchObject({ tag: undefined, digest });
  });

  it.each([
    [''],
    ['oci:'],
    ['oci-archive:'],
    ['oci:dir:'],
    ['docker-archive:x.tar:@one'],
    ['Node:20'],
    ['docker.io/library/node:bad tag'],
    ['docker://host/repo@sha256:xyz'],
    ['quay.io/UPPER/x:1'],
    ['http://example.com/x'],
    ['containers-storage:foo'],
    ['repo:t@g'],
  ])('refuses %j with a usage error listing the forms', (text) => {
    let error: { code?: string; exitCode?: number; hint?: string } | undefined;
    try {
      parseImageReference(text);
    } catch (caught) {
      error = caught as typeof error;
    }
    expect(error?.code).toBe('MLSHIP_E_USAGE');
    expect(error?.exitCode).toBe(2);
    expect(error?.hint).toContain('oci-archive:FILE');
  });
});
