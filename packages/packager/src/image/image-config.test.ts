import { canonicalJson } from '@mlship/oci';
import { imageConfig, mergeEnv } from './image-config.js';
import { baseConfig } from '../../test/image-fixtures.js';

const DIFF = `sha256:${'1'.repeat(64)}` as const;
const OURS = `sha256:${'2'.repeat(64)}` as const;

describe('imageConfig', () => {
  const base = () => ({ ...baseConfig({ os: 'linux', architecture: 'arm64', variant: 'v8' }, [DIFF]), container_config: { Cmd: ['/bin/sh', '-c', 'apt-get install'] }, container: 'abc' });

  it('appends our layers and history, and drops the base Cmd and build container', () => {
    const config = imageConfig(base(), [{ name: 'weights', diffId: OURS }], { entrypoint: ['node', 'x.mjs'] }, { os: 'linux', architecture: 'arm64' }, '2026-01-01T00:00:00Z');
    expect(config.rootfs.diff_ids).toEqual([DIFF, OURS]);
    expect(config.history!.at(-1)).toEqual({ created: '2026-01-01T00:00:00Z', created_by: 'mlship package: weights' });
    expect(config.config!.Entrypoint).toEqual(['node', 'x.mjs']);
    expect(config.config!.Cmd).toBeUndefined();
    expect(config.container_config).toBeUndefined();
    expect(config.container).toBeUndefined();
    expect(config.variant).toBe('v8'); // the base's, same architecture
    expect(config.config!.Healthcheck).toBeUndefined();
  });

  it('sets Cmd, the platform, and a health check (CMD prepended to a bare command)', () => {
    const config = imageConfig(
      base(),
      [],
      { entrypoint: ['node'], cmd: ['--version'], healthcheck: { test: ['node', '-e', '0'], intervalSeconds: 0.5 }, stopSignal: 'SIGTERM', exposedPorts: ['53/udp'] },
      { os: 'linux', architecture: 'amd64' },
      '2026-01-01T00:00:00Z',
    );
    expect(config.config!.Cmd).toEqual(['--version']);
    expect(config.config!.Healthcheck).toEqual({ Test: ['CMD', 'node', '-e', '0'], Interval: 500_000_000 });
    expect(config.config!.ExposedPorts).toEqual({ '22/tcp': {}, '53/udp': {} });
    expect(config.config!.StopSignal).toBe('SIGTERM');
    expect([config.architecture, config.variant]).toEqual(['amd64', undefined]);
  });

  it('refuses a missing entrypoint, bad ports, env names and health checks', () => {
    const bad = [
      { entrypoint: [] },
      { entrypoint: ['x'], exposedPorts: [70000] },
      { entrypoint: ['x'], exposedPorts: ['80/http'] },
      { entrypoint: ['x'], env: { 'A=B': '1' } },
      { entrypoint: ['x'], healthcheck: { test: [] } },
      { entrypoint: ['x'], healthcheck: { test: ['CMD', 'true'], retries: 1.5 } },
      { entrypoint: ['x'], healthcheck: { test: ['CMD', 'true'], timeoutSeconds: -1 } },
    ];
    for (const runtime of bad) {
      expect(() => imageConfig(base(), [], runtime, { os: 'linux', architecture: 'arm64' }, 'x')).toThrow(expect.objectContaining({ code: 'MLSHIP_E_USAGE' }));
    }
  });
});

describe('mergeEnv', () => {
  it('replaces same keys in place, keeps the rest (PATH), appends new keys in key order', () => {
    expect(mergeEnv(['PATH=/bin', 'A=1', 'FLAG'], { Z: 'z', A: '2', FLAG: 'on', B: 'b=c' })).toEqual(['PATH=/bin', 'A=2', 'FLAG=on', 'B=b=c', 'Z=z']);
    expect(mergeEnv(undefined, { PATH: '/opt/bin' })).toEqual(['PATH=/opt/bin']);
  });

  it('expands ${NAME} to the base value, as Dockerfile ENV does; PATH falls back to the default PATH', () => {
    expect(mergeEnv(['PATH=/usr/bin:/bin', 'HOME=/root'], { PATH: '/nodejs/bin:${PATH}', DIR: '${HOME}/x', NONE: '${UNSET}' })).toEqual([
      'PATH=/nodejs/bin:/usr/bin:/bin',
      'HOME=/root',
      'DIR=/root/x',
      'NONE=',
    ]);
    expect(mergeEnv(undefined, { PATH: '/nodejs/bin:${PATH}' })).toEqual(['PATH=/nodejs/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: undefined, w: null }], c: 'é' } })).toBe('{"a":{"c":"é","d":[{"w":null,"y":1}]},"b":1}');
  });
});
