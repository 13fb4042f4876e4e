import { ErrorCode, ExitCode, fromFsError, isMlshipError, quoteUntrusted } from './errors.js';

describe('fromFsError', () => {
  it('says "read-only file system" for EROFS, not "permission denied"', () => {
    const error = fromFsError(Object.assign(new Error('EROFS'), { code: 'EROFS' }), '/mnt/ro/x', 'cannot write');
    expect(isMlshipError(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCode.io, exitCode: ExitCode.runtime });
    expect((error as Error).message).toBe('cannot write: read-only file system: /mnt/ro/x');
  });
});

describe('quoteUntrusted', () => {
  it('quotes, escapes control characters and cuts long text with an ellipsis', () => {
    expect(quoteUntrusted('iris')).toBe('"iris"');
    expect(quoteUntrusted('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteUntrusted('ok\u001b[2J\u009b\u202e\n\t')).toBe('"ok\\x1b[2J\\x9b\\u202e\\n\\t"');
    expect(quoteUntrusted('a'.repeat(5000), 10)).toBe(`"${'a'.repeat(10)}…"`);
  });
});
