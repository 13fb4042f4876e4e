/** @jest-environment ./packages/serve/test/main-realm-environment.js */
// HTTPS with --tls-key/--tls-cert, checked with a certificate made by openssl for this test.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { makeTempDir } from '@mlship/test-utils';
import { startServer } from './index.js';
import { writeIris } from '../test/helpers.js';

const { dir } = await makeTempDir('mlship-serve-tls-');
const irisDir = writeIris(join(dir, 'iris'));
const keyFile = join(dir, 'key.pem');
const certFile = join(dir, 'cert.pem');

beforeAll(() => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function post(url: string, body: unknown, ca?: Buffer): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(ca ? { ca } : {}) }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('TLS', () => {
  it('serves HTTPS with the given key and certificate', async () => {
    const server = await startServer({ models: [irisDir], port: 0, tls: { keyFile, certFile } });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const body = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0] }] };
      const response = await post(`${server.url}/v2/models/iris/infer`, body, readFileSync(certFile));
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ model_name: 'iris', outputs: [{ name: 'output', shape: [1, 3] }] });
      // Without the certificate as a trusted CA the client refuses the self-signed server.
      await expect(post(`${server.url}/v2/models/iris/infer`, body)).rejects.toThrow(/self[- ]signed/i);
    } finally {
      await server.close();
    }
  });

  it('fails with a coded error for an unreadable key', async () => {
    await expect(startServer({ models: [irisDir], port: 0, tls: { keyFile: join(dir, 'none.pem'), certFile } })).rejects.toMatchObject({ code: 'MLSHIP_E_SERVE_OPTIONS', message: expect.stringMatching(/cannot read the TLS key/) });
  });
});
