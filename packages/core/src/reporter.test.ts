import { Writable } from 'node:stream';
import { colorWanted, createReporter, formatBytes } from './reporter.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(stream, { isTTY, text: () => text });
  return stream;
}

describe('reporter', () => {
  it('draws progress only on a TTY, and never with --json or --quiet', () => {
    for (const [isTTY, options, drawn] of [
      [true, {}, true],
      [false, {}, false],
      [true, { json: true }, false],
      [true, { quiet: true }, false],
    ] as const) {
      const stderr = fakeStream(isTTY);
      const bar = createReporter({ ...options, stderr, color: false }).progress('storing', 'bytes');
      bar.update(1024, 2048);
      bar.update(2048, 2048);
      bar.stop();
      expect(stderr.text().includes('storing')).toBe(drawn);
    }
  });

  it('keeps info off with --quiet but always prints warnings; debug only with --verbose', () => {
    const stderr = fakeStream(false);
    const quiet = createReporter({ quiet: true, stderr, color: false });
    quiet.info('hidden');
    quiet.warn('shown');
    quiet.debug('hidden too');
    expect(stderr.text()).toBe('warning: shown\n');
    const verboseStream = fakeStream(false);
    createReporter({ verbose: true, stderr: verboseStream, color: false }).debug('details');
    expect(verboseStream.text()).toBe('details\n');
  });

  it('colours only a TTY without NO_COLOR', () => {
    expect(colorWanted({ isTTY: true }, {})).toBe(true);
    expect(colorWanted({ isTTY: false }, {})).toBe(false);
    expect(colorWanted({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    const stderr = fakeStream(true);
    createReporter({ stderr, color: true }).warn('x');
    expect(stderr.text()).toContain('\u001b[');
    const plain = fakeStream(true);
    createReporter({ stderr: plain, color: false }).warn('x');
    expect(plain.text()).not.toContain('\u001b[');
  });

  it('formats byte counts for people', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '5.0 GiB']);
  });
});
