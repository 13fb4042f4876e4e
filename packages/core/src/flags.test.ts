import { commaList, defineFlags, flagAttribute, flagName, numberFlag, oneOf, parseByteSize, parseFlags, parseNumber } from './flags.js';

describe('parseNumber', () => {
  const failure = (value: string, flag: string, rule: Parameters<typeof parseNumber>[2]) => {
    try {
      parseNumber(value, flag, rule);
    } catch (error) {
      const { code, message, hint, exitCode } = error as { code: string; message: string; hint: string; exitCode: number };
      return { code, message, hint, exitCode };
    }
    throw new Error(`${value} parsed`);
  };

  it('reads integers (decimal digits) and numbers within the bounds', () => {
    expect(parseNumber(' 42 ', '--seed', { integer: true, min: 0, max: 100 })).toBe(42);
    expect(parseNumber('-0', '--seed', { integer: true, min: 0 })).toBe(0);
    expect(Object.is(parseNumber('-0', '--seed', { integer: true }), 0)).toBe(true);
    expect(parseNumber('1e-3', '--alpha', { min: 0, max: 1 })).toBe(0.001);
    expect(parseNumber('1', '--share', { above: 0, max: 1 })).toBe(1);
    expect(parseNumber('-5', '--port', { integer: true })).toBe(-5);
    for (const value of ['', ' ', '1.5', '1e3', '0x10', 'ten', '9007199254740993']) expect(() => parseNumber(value, '--n', { integer: true })).toThrow();
    for (const value of ['', 'NaN', 'Infinity', '1,5']) expect(() => parseNumber(value, '--x')).toThrow();
  });

  it('says what it wanted, by the shape of the rule', () => {
    expect(failure('x', '--seed', { integer: true, min: 0, max: 4294967295, example: 42 })).toEqual({
      code: 'MLSHIP_E_USAGE',
      message: '--seed must be an integer from 0 to 4294967295, got "x"',
      hint: 'e.g. --seed 42',
      exitCode: 2,
    });
    expect(failure('2', '--alpha', { min: 0, max: 1, example: '0.1' }).message).toBe('--alpha must be a number from 0 to 1, got "2"');
    expect(failure('-1', '--max-regression', { min: 0, example: '0.01' })).toMatchObject({ message: '--max-regression must be a number ≥ 0, got "-1"', hint: 'e.g. --max-regression 0.01' });
    expect(failure('eighty', '--port', { integer: true, code: 'MLSHIP_E_SERVE_OPTIONS' })).toEqual({
      code: 'MLSHIP_E_SERVE_OPTIONS',
      message: '--port needs an integer, got "eighty"',
      hint: 'see --help',
      exitCode: 2,
    });
    expect(failure('0', '--drift-share', { above: 0, max: 1, message: (value, flag) => `bad ${flag} "${value}"`, hint: 'a share is a number in (0, 1]' })).toMatchObject({
      message: 'bad --drift-share "0"',
      hint: 'a share is a number in (0, 1]',
    });
  });
});

describe('flag tables', () => {
  const table = defineFlags({
    maxBatchSize: { flag: '--max-batch-size <n>', description: 'rows', parse: numberFlag({ integer: true, min: 1, max: 64 }) },
    format: { flag: '--format <f>', description: 'format', default: 'qdq', parse: oneOf(['qdq', 'qoperator']) },
    files: { flag: '--file <name>', description: 'files', repeatable: true },
    intraOpThreads: { flag: '--threads <n>', description: 'threads', parse: numberFlag({ integer: true }) },
    batching: { flag: '--no-batching', description: 'alone', parse: (batching: boolean) => (batching ? undefined : false) },
    columns: { flag: '--columns <list>', description: 'columns', parse: commaList },
    dryRun: { flag: '--dry-run', description: 'dry' },
  });

  it('names flags as commander keys them', () => {
    expect(['--max-batch-size <n>', '-o, --out <dir>', '--no-batching', '--dry-run'].map(flagName)).toEqual(['--max-batch-size', '--out', '--no-batching', '--dry-run']);
    expect(['--max-batch-size <n>', '--no-batching', '--max-queue-delay-us <n>'].map(flagAttribute)).toEqual(['maxBatchSize', 'batching', 'maxQueueDelayUs']);
  });

  it('parses given values under the table keys and leaves out the rest', () => {
    const values = parseFlags(table, { maxBatchSize: '8', format: 'qoperator', file: ['a', 'b'], threads: '2', batching: true, columns: 'a, b' });
    expect(values).toEqual({ maxBatchSize: 8, format: 'qoperator', files: ['a', 'b'], intraOpThreads: 2, columns: ['a', 'b'] });
    expect(parseFlags(table, { format: 'qdq', file: [], batching: false, dryRun: true })).toEqual({ format: 'qdq', files: [], batching: false, dryRun: true });
    expect(() => parseFlags(table, { format: 'x' })).toThrow('--format must be one of qdq, qoperator, got "x"');
    expect(() => parseFlags(table, { maxBatchSize: '65' })).toThrow('--max-batch-size must be an integer from 1 to 64, got "65"');
  });
});

describe('parseByteSize', () => {
  it('reads sizes with units', () => {
    expect(['500MB', '10GiB', '2048', '1.5k'].map((value) => parseByteSize(value, '--max-bytes'))).toEqual([5e8, 10 * 2 ** 30, 2048, 1500]);
    expect(() => parseByteSize('10 parsecs', '--max-bytes')).toThrow('--max-bytes must be a size such as 500MB or 10GiB, got "10 parsecs"');
  });
});
