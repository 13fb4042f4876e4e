import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { makeTempDir } from './temp.js';
import { startTokenService, type TokenService } from './token-service.js';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface OciRegistryServer {
  /** `127.0.0.1:PORT` */
  host: string;
  dir: string;
  /** Bearer tokens issued so far (token auth only). */
  tokensIssued(): number;
  stop(): Promise<void>;
}

export interface Account {
  username: string;
  password: string;
}

/**
 * Starts a real OCI registry (Debian's `docker-registry`, distribution 2.8) on 127.0.0.1 with
 * filesystem storage in a temp dir. With `basicAuth`, it demands those credentials (htpasswd, bcrypt);
 * with `tokenAuth`, it demands bearer tokens from a token service started here (see token-service.ts).
 */
export async function startOciRegistry(options: { basicAuth?: Account; tokenAuth?: Account } = {}): Promise<OciRegistryServer> {
  const temp = await makeTempDir('mlship-oci-registry-');
  const port = await freePort();
  let auth = '';
  let tokenService: TokenService | undefined;
  if (options.tokenAuth) {
    tokenService = await startTokenService({ dir: temp.dir, account: options.tokenAuth });
    auth = `auth:\n  token:\n    realm: ${tokenService.realm}\n    service: ${tokenService.service}\n    issuer: ${tokenService.issuer}\n    rootcertbundle: ${tokenService.certificate}\n`;
  } else if (options.basicAuth) {
    const { stdout } = await execa('htpasswd', ['-Bbn', options.basicAuth.username, options.basicAuth.password]);
    await writeFile(join(temp.dir, 'htpasswd'), `${stdout.trim()}\n`);
    auth = `auth:\n  htpasswd:\n    realm: mlship-test\n    path: ${join(temp.dir, 'htpasswd')}\n`;
  }
  const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(temp.dir, 'data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${auth}`;
  await writeFile(join(temp.dir, 'config.yml'), config);
  const child: ResultPromise = execa('docker-registry', ['serve', join(temp.dir, 'config.yml')], { reject: false, stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(`http://${host}/v2/`);
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== undefined && child.exitCode !== null) {
      await tokenService?.stop();
      throw new Error('docker-registry exited at start-up');
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error('docker-registry did not start within 15 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    dir: temp.dir,
    tokensIssued: () => tokenService?.issued() ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await child.catch(() => undefined);
      await tokenService?.stop();
      await temp.cleanup();
    },
  };
}
