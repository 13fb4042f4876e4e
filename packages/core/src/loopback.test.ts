import { isLoopbackHost } from './loopback.js';

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', 'LOCALHOST'])('takes the bare address %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['localhost:5000', '127.0.0.1:5000', '[::1]:5000', '[::1]', '[::ffff:127.0.0.1]:80'])('takes %s (with a port) as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'registry.example.com', 'localhost.example.com', '127.0.0.1.nip.io', '::2', '[::1]x', 'localhost:', '127.0.0.1:x', '1127.0.0.1', ''])(
    'refuses %s',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});
