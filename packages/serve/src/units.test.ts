// Pure parts: half floats, element conversion, options and flags, tokens, split routing.
import { TokenCheck, hashToken, parseTokens } from './auth.js';
import { elementWriter, fromHalf, toHalf, WriteResult, allocate } from './datatypes.js';
import { readFileSync } from 'node:fs';
import { flagName } from '@mlship/core';
import { parseServeArgs, parseSplit, serveFlags } from './flags.js';
import { resolveOptions } from './options.js';
import { createRandom } from './random.js';
import { ModelRepository } from './repository.js';
import type { ServedVersion } from './served-version.js';

describe('half floats', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds to Infinity
    [2 ** -24, 0x0001], // smallest subnormal
    [0.1, 0x2e66],
    [1 + 2 ** -11, 0x3c00], // a tie rounds to even
    [1 + 3 * 2 ** -11, 0x3c02],
    [Infinity, 0x7c00],
  ])('%p → half bits %i', (value, bits) => {
    expect(toHalf(value)).toBe(bits);
  });

  it('round-trips every finite half', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = fromHalf(bits);
      if (Number.isFinite(value) && toHalf(value) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
    expect([fromHalf(0x3c00), fromHalf(0xc000), fromHalf(0x7bff), fromHalf(0x0001), fromHalf(0x7c00)]).toEqual([1, -2, 65504, 2 ** -24, Infinity]);
    expect(Number.isNaN(fromHalf(0x7e00))).toBe(true);
  });
});

describe('element conversion', () => {
  const write = (datatype: Parameters<typeof elementWriter>[0], target: Parameters<typeof elementWriter>[1], value: unknown) => {
    const out = allocate(target, 1);
    const result = elementWriter(datatype, target)!(out, 0, value);
    return { result, value: out[0] };
  };

  it('accepts exact-safe conversions and refuses the rest', () => {
    expect(write('INT32', 'float32', 16777216)).toEqual({ result: WriteResult.ok, value: 16777216 });
    expect(write('INT32', 'float32', 16777217).result).toBe(WriteResult.inexact);
    expect(write('INT64', 'float64', 2 ** 53 - 1)).toEqual({ result: WriteResult.ok, value: 2 ** 53 - 1 });
    expect(write('FP64', 'float32', 0.1)).toEqual({ result: WriteResult.ok, value: Math.fround(0.1) });
    expect(write('FP64', 'float32', 1e39).result).toBe(WriteResult.inexact);
    expect(write('FP32', 'int64', 3)).toEqual({ result: WriteResult.ok, value: 3n });
    expect(write('FP32', 'int64', 3.5).result).toBe(WriteResult.inexact);
    expect(write('INT64', 'uint8', 256).result).toBe(WriteResult.inexact);
    expect(write('INT64', 'uint8', -1).result).toBe(WriteResult.inexact);
    expect(write('UINT8', 'int8', 255).result).toBe(WriteResult.inexact);
    expect(write('INT8', 'int8', 200).result).toBe(WriteResult.invalid);
    expect(write('INT64', 'int64', 2 ** 53).result).toBe(WriteResult.invalid);
    expect(write('FP32', 'float32', '1').result).toBe(WriteResult.invalid);
    expect(write('BOOL', 'bool', 1).result).toBe(WriteResult.invalid);
    expect(write('BOOL', 'bool', true)).toEqual({ result: WriteResult.ok, value: 1 });
    expect(write('UINT64', 'uint64', 5)).toEqual({ result: WriteResult.ok, value: 5n });
    expect(write('INT16', 'float16', 2049).result).toBe(WriteResult.inexact);
    expect(write('INT16', 'float16', 2048)).toEqual({ result: WriteResult.ok, value: toHalf(2048) });
    expect(elementWriter('BYTES', 'float32')).toBeUndefined();
    expect(elementWriter('FP32', 'string')).toBeUndefined();
    expect(elementWriter('BOOL', 'int32')).toBeUndefined();
    expect(elementWriter('INT32', 'bool')).toBeUndefined();
  });
});

describe('options', () => {
  it('parses runtime flags with MLSHIP_* fallbacks (flags win)', () => {
    const { options } = parseServeArgs(['a', 'b', '--port', '9000', '--workers', 'auto', '--no-batching', '--split', '1=90, 2=10', '--log-sample', '0.5', '--threads', '2'], {
      MLSHIP_PORT: '7000',
      MLSHIP_HOST: '0.0.0.0',
      MLSHIP_TARGET: 'edge',
      MLSHIP_LOG_DIR: '/tmp/logs',
    });
    expect(options).toEqual({
      models: ['a', 'b'],
      host: '0.0.0.0',
      port: 9000,
      workers: 'auto',
      target: 'edge',
      intraOpThreads: 2,
      batching: false,
      logDir: '/tmp/logs',
      logSample: 0.5,
      trafficSplit: { '1': 90, '2': 10 },
    });
    expect(resolveOptions(options).workers).toBeGreaterThanOrEqual(1);
  });

  it('refuses bad values with coded errors', () => {
    expect(() => parseSplit('1=90,two=10')).toThrow(expect.objectContaining({ code: 'MLSHIP_E_SERVE_OPTIONS' }));
    expect(() => parseSplit('1=0')).toThrow(/bad traffic split/);
    expect(() => parseServeArgs(['a', '--tls-key', 'k'], {})).toThrow(/--tls-key and --tls-cert go together/);
    expect(() => resolveOptions({ models: ['a'], maxBatchSize: 0 })).toThrow(/--max-batch-size must be an integer from 1/);
    expect(() => resolveOptions({ models: ['a'], logSample: 2 })).toThrow(/--log-sample must be a number from 0 to 1/);
    expect(() => resolveOptions({ models: ['a'], target: 'tpu' as 'cpu' })).toThrow(/unknown target "tpu"/);
    expect(() => resolveOptions({ models: [] })).toThrow(/no model to serve/);
    expect(() => resolveOptions({ models: ['a'], tokenHashes: ['abc'] })).toThrow(/tokenHashes holds a value that is not a SHA-256 hex digest/);
    expect(() => resolveOptions({ models: ['a'], adminTokenHashes: ['z'.repeat(64)] })).toThrow(/adminTokenHashes holds a value/);
    expect(resolveOptions({ models: ['a'], tokenHashes: ['A'.repeat(64)] }).tokenHashes).toEqual(['a'.repeat(64)]);
  });

  it('keeps the admin API off unless --admin or admin tokens ask for it', () => {
    const mode = (argv: string[]) => resolveOptions(parseServeArgs(['a', ...argv], {}).options).adminApi;
    expect([mode([]), mode(['--admin']), mode(['--no-admin'])]).toEqual(['tokens', 'on', 'off']);
    expect(() => parseServeArgs(['a', '--admin', '--no-admin'], {})).toThrow(/--admin and --no-admin contradict/);
    expect(() => mode(['--admin', '--host', '0.0.0.0'])).toThrow(expect.objectContaining({ code: 'MLSHIP_E_SERVE_OPTIONS', message: expect.stringMatching(/--admin without --admin-token-file on 0\.0\.0\.0/) }));
    expect(resolveOptions({ models: ['a'], host: '0.0.0.0', adminApi: true, adminTokens: ['t'] }).adminApi).toBe('on');
  });

  it('documents every flag, and mlship serve and the runtime entry take the same ones', () => {
    const root = new URL('../../../', import.meta.url);
    const docs = readFileSync(new URL('docs/serve.md', root), 'utf8');
    const table = docs.slice(docs.indexOf('| Flag (option) |'), docs.indexOf('\n\n', docs.indexOf('| Flag (option) |')));
    const documented = new Set([...table.matchAll(/`(--[a-z-]+)/g)].map((match) => match[1]!));
    const cliSource = readFileSync(new URL('packages/cli/src/commands/serve.ts', root), 'utf8');
    const runtime = new Set(Object.values(serveFlags()).flatMap((spec) => [flagName(spec.flag), ...('negation' in spec ? [`--no-${flagName(spec.flag).slice(2)}`] : [])]));
    expect([...documented].sort()).toEqual([...runtime].sort());
    // mlship serve declares its options from this table and parses them with the runtime's function
    // (packages/cli/src/flag-tables.test.ts compares its commander options and parsed options with the runtime's).
    expect(cliSource).toMatch(/addFlags\(command, serveFlags\(\)\)/);
    expect(cliSource).not.toMatch(/\.option\(|Option\(/);
    expect(cliSource).toMatch(/serveOptionsOf\(flags\)/);
  });
});

describe('tokens', () => {
  it('reads token files and checks bearer headers by digest', () => {
    expect(parseTokens('# comment\n\n  alpha  \r\nbeta\n#gamma\n')).toEqual(['alpha', 'beta']);
    const check = new TokenCheck([hashToken('alpha'), hashToken('beta')]);
    expect(check.enabled).toBe(true);
    expect(check.allows('Bearer alpha')).toBe(true);
    expect(check.allows('bearer beta')).toBe(true);
    expect(check.allows('Bearer alph')).toBe(false);
    expect(check.allows('Bearer alpha2')).toBe(false);
    expect(check.allows('alpha')).toBe(false);
    expect(check.allows(undefined)).toBe(false);
    expect(new TokenCheck([]).enabled).toBe(false);
  });
});

describe('traffic split routing', () => {
  const version = (v: string) => ({ version: v, name: 'm', model: { dir: `/m/${v}` }, providers: ['cpu'] }) as unknown as ServedVersion;

  it('routes by weight with a seeded generator, and swaps atomically', () => {
    const repository = new ModelRepository('m', [version('1'), version('2'), version('3')], { '1': 70, '3': 30 }, createRandom(9));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const picked = repository.pick()!.version;
      counts[picked] = (counts[picked] ?? 0) + 1;
    }
    expect(counts['2']).toBeUndefined();
    expect(Math.abs(counts['3']! / 10_000 - 0.3)).toBeLessThan(0.02);
    expect(repository.primary()!.version).toBe('1');
    const retired = repository.replace({ remove: ['3'] });
    expect(retired.map((v) => v.version)).toEqual(['3']);
    expect(repository.split).toEqual({ '1': 70 });
    const cleared = repository.replace({ split: null, add: [version('4')] });
    expect(cleared).toEqual([]);
    expect(repository.pick()!.version).toBe('4');
    expect(() => repository.replace({ remove: ['1', '2', '4'] })).toThrow(/without versions/);
  });
});
