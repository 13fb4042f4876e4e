import { ErrorCode, ExitCode, MlshipError, isLoopbackHost, isMlshipError, quoteUntrusted } from '@mlship/core';
import { findCredentials, parseChallenge, type Credentials } from './auth.js';
import { formatOciLocation, type OciLocation } from './oci-url.js';

export interface ClientOptions {
  /** Plain HTTP, allowed on loopback hosts only. */
  insecure?: boolean;
  /** `pull` or `pull,push`: the scope asked of a bearer token service. */
  actions: 'pull' | 'pull,push';
  env?: NodeJS.ProcessEnv;
}

type BodyFactory = () => Uint8Array | ReadableStream<Uint8Array> | Promise<Uint8Array | ReadableStream<Uint8Array>>;

export interface RequestOptions {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  /** A path under the registry (`/v2/…`) or an absolute URL it handed back (upload locations). */
  path: string;
  headers?: Record<string, string>;
  /** Recreated on a retry after an auth challenge. */
  body?: BodyFactory;
  /** Status codes that are answers rather than errors. */
  accept: number[];
}

/** A minimal client of the OCI distribution API with Basic and Bearer (token service) auth. */
export class OciClient {
  readonly base: string;
  private authorization: string | undefined;
  private credentials: Credentials | undefined | null = null;

  constructor(
    readonly location: OciLocation,
    private readonly options: ClientOptions,
  ) {
    if (options.insecure && !isLoopbackHost(location.host)) {
      throw new MlshipError(ErrorCode.usage, `--insecure (plain HTTP) is only allowed for loopback hosts, not ${location.host}`, {
        hint: 'serve the registry over HTTPS, or reach it through 127.0.0.1',
        exitCode: ExitCode.usage,
      });
    }
    this.base = `${options.insecure ? 'http' : 'https'}://${location.host}`;
  }

  repoPath(suffix: string): string {
    return `/v2/${this.location.repository}/${suffix}`;
  }

  private async fetchOnce(options: RequestOptions): Promise<Response> {
    const url = /^https?:\/\//.test(options.path) ? options.path : `${this.base}${options.path}`;
    const target = new URL(url);
    if (target.protocol === 'http:' && !this.options.insecure) {
      throw new MlshipError(ErrorCode.remote, `${this.location.host} sent mlship to a plain-HTTP address (${target.origin})`, {
        hint: 'refusing to send data unencrypted; use --insecure only for a registry on loopback',
        exitCode: ExitCode.runtime,
      });
    }
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    // Credentials go only to the registry itself, never to another origin named in a Location header.
    if (this.authorization && target.origin === new URL(this.base).origin) headers.authorization = this.authorization;
    const body = await options.body?.();
    try {
      return await fetch(url, {
        method: options.method,
        headers,
        ...(body !== undefined ? { body, duplex: 'half' } : {}),
        redirect: 'follow',
      } as RequestInit);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if (isMlshipError(cause)) throw cause; // e.g. a corrupt local blob found while streaming the body
      const detail = cause?.code ?? cause?.message ?? (error as Error).message;
      const tlsHint = /SSL|TLS|EPROTO|wrong version/i.test(String(cause?.message ?? detail));
      throw new MlshipError(ErrorCode.remote, `cannot reach ${quoteUntrusted(formatOciLocation(this.location), 160)}: ${detail}`, {
        hint: tlsHint && !this.options.insecure
          ? 'the registry may speak plain HTTP; pass --insecure for a registry on loopback'
          : 'check that the registry is running and the address is right',
        exitCode: ExitCode.runtime,
        cause: error,
      });
    }
  }

  private async authenticate(challengeHeader: string | null): Promise<void> {
    if (this.credentials === null) this.credentials = await findCredentials(this.location.host, this.options.env);
    const credentials = this.credentials;
    const challenge = parseChallenge(challengeHeader ?? 'Basic');
    const basic =
      credentials?.username !== undefined ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}` : undefined;
    if (challenge.scheme === 'basic') {
      if (!basic) throw this.authError('the registry wants a user name and password, and none is configured');
      this.authorization = basic;
      return;
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) {
      throw this.authError(`unsupported authentication challenge "${challengeHeader}"`);
    }
    const tokenUrl = new URL(challenge.params.realm);
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
    tokenUrl.searchParams.set('scope', challenge.params.scope ?? `repository:${this.location.repository}:${this.options.actions}`);
    let response: Response;
    try {
      if (credentials?.identityToken) {
        // An OAuth2 refresh token (docker login with an identity token): exchange it for an access token.
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: credentials.identityToken,
          client_id: 'mlship',
          service: challenge.params.service ?? '',
          scope: tokenUrl.searchParams.get('scope') ?? '',
        });
        response = await fetch(challenge.params.realm, { method: 'POST', body: form });
      } else {
        response = await fetch(tokenUrl, { headers: basic ? { authorization: basic } : {} });
      }
    } catch (error) {
      throw this.authError(`cannot reach the token service ${tokenUrl.origin}: ${(error as Error).message}`);
    }
    if (!response.ok) throw this.authError(`the token service answered ${response.status}`);
    let body: { token?: string; access_token?: string };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw this.authError('the token service answered something that is not JSON');
    }
    const token = body.token ?? body.access_token;
    if (!token) throw this.authError('the token service returned no token');
    this.authorization = `Bearer ${token}`;
  }

  private authError(why: string): MlshipError {
    const where = this.credentials?.source ? ` (credentials from ${this.credentials.source})` : '';
    return new MlshipError(ErrorCode.remoteAuth, `authentication with ${this.location.host} failed: ${why}${where}`, {
      hint: `log in with \`podman login ${this.location.host}\` or \`skopeo login\`; mlship reads the same auth file`,
      exitCode: ExitCode.usage,
    });
  }

  /** Sends a request; answers a 401 challenge once (with credentials from the auth files) and retries. */
  async request(options: RequestOptions): Promise<Response> {
    let response = await this.fetchOnce(options);
    if (response.status === 401) {
      await response.body?.cancel();
      const hadAuthorization = this.authorization !== undefined;
      await this.authenticate(response.headers.get('www-authenticate'));
      response = await this.fetchOnce(options);
      if (response.status === 401) {
        await response.body?.cancel();
        throw this.authError(hadAuthorization ? 'credentials expired or were refused' : 'credentials were refused');
      }
    }
    if (response.status === 403) {
      await response.body?.cancel();
      throw this.authError(`permission denied for ${options.method} ${quoteUntrusted(this.location.repository, 100)}`);
    }
    if (!options.accept.includes(response.status)) {
      const text = await response.text().catch(() => '');
      let detail = text;
      try {
        const parsed = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
        if (parsed.errors?.length) detail = parsed.errors.map((e) => `${e.code}: ${e.message}`).join('; ');
      } catch {
        // not a JSON error body
      }
      // Names and bodies the server echoes are cut short and their control characters escaped.
      const said = detail.trim() === '' ? '' : ` ${quoteUntrusted(detail, 300)}`;
      throw new MlshipError(ErrorCode.remote, `${options.method} ${quoteUntrusted(this.location.repository, 100)} answered ${response.status}${said}`, {
        hint: 'check the repository name and your permissions on the registry',
        exitCode: ExitCode.runtime,
        details: { status: response.status },
      });
    }
    return response;
  }
}
