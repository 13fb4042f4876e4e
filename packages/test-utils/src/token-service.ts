import { createSign, randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Account } from './oci-registry.js';

export interface TokenService {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate the registry trusts (its `rootcertbundle`). */
  certificate: string;
  /** How many tokens were issued, so tests can tell the bearer flow really ran. */
  issued(): number;
  stop(): Promise<void>;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * A token service as the Docker registry token spec describes: GET /token?service=…&scope=… with Basic
 * credentials answers a JWT (RS256, x5c header) granting the requested repository actions.
 */
export async function startTokenService(options: { dir: string; account: Account }): Promise<TokenService> {
  const keyFile = join(options.dir, 'token-key.pem');
  const certificate = join(options.dir, 'token-cert.pem');
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certificate, '-days', '1', '-subj', '/CN=mlship-test-token']);
  const key = await readFile(keyFile, 'utf8');
  const certDer = new X509Certificate(await readFile(certificate)).raw;
  const service = 'mlship-test-registry';
  const issuer = 'mlship-test-issuer';
  let issued = 0;
  const expected = `Basic ${Buffer.from(`${options.account.username}:${options.account.password}`).toString('base64')}`;

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/token') {
      response.writeHead(404).end();
      return;
    }
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = url.searchParams.getAll('scope').map((scope) => {
      const [type, name, actions] = scope.split(':');
      return { type, name, actions: (actions ?? '').split(',').filter(Boolean) };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = { iss: issuer, sub: options.account.username, aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    const token = `${signingInput}.${base64url(signature)}`;
    issued += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certificate,
    issued: () => issued,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
