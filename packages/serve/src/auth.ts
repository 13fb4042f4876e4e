/**
 * Bearer tokens. Tokens are kept (and handed to workers) only as SHA-256 digests; a presented token
 * is hashed and compared with every digest in constant time, so neither its length nor a matching
 * prefix shows in the timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Tokens of a token file: one per line; blank lines and lines starting with `#` are ignored. */
export function parseTokens(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class TokenCheck {
  private readonly digests: Buffer[];

  constructor(hexDigests: readonly string[]) {
    this.digests = hexDigests.map((hex) => Buffer.from(hex, 'hex'));
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** True when `header` is `Bearer <token>` with a known token. */
  allows(header: string | undefined): boolean {
    if (header === undefined || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return false;
    const digest = createHash('sha256').update(header.slice(7).trim(), 'utf8').digest();
    let match = false;
    for (const known of this.digests) if (timingSafeEqual(known, digest)) match = true;
    return match;
  }
}
