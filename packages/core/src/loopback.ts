/**
 * Whether a host names this machine's loopback interface: `localhost`, `::1`, 127.0.0.0/8, or that range
 * IPv4-mapped (`::ffff:127.0.0.1`). Takes a bare address or name (a listen address, `::1` included) or
 * `HOST:PORT` / `[IPV6]:PORT` (a registry location's host); names compare case-insensitively. Used for
 * what is safe only on loopback: plain HTTP to a registry (`--insecure`), the admin API without tokens,
 * and a server's Host-header check.
 */
export function isLoopbackHost(host: string): boolean {
  const name = hostOnly(host).toLowerCase();
  if (name === 'localhost' || name === '::1') return true;
  const ipv4 = name.startsWith('::ffff:') ? name.slice('::ffff:'.length) : name;
  return LOOPBACK_IPV4.test(ipv4);
}

const LOOPBACK_IPV4 = /^127(\.\d{1,3}){3}$/;

/** The host without a port: `[::1]:5000` → `::1`, `127.0.0.1:5000` → `127.0.0.1`; a bare IPv6 address stays whole. */
function hostOnly(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 && /^(:\d+)?$/.test(host.slice(end + 1)) ? host.slice(1, end) : host;
  }
  const colon = host.indexOf(':');
  if (colon >= 0 && colon === host.lastIndexOf(':') && /^\d+$/.test(host.slice(colon + 1))) return host.slice(0, colon);
  return host;
}
