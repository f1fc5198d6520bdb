/**
 * Keystone v3 password authentication for one cloud: the token comes from the `X-Subject-Token`
 * header (the body carries its expiry, roles and the service catalog), is renewed shortly before it
 * expires, and once more when a service answers 401 (a token revoked or expired early) — concurrent
 * refusals share one new login (lib/vsphere/session's SessionToken).
 */
import { SessionToken } from '@/lib/vsphere/session';
import { parseOpenStackTime } from './key-state';
import { findEndpoint, type CatalogServiceType, type ResolvedEndpoint } from './catalog';
import { keystoneV3Url, type OpenStackCloudConfig } from './config';
import { OpenStackError } from './errors';
import type { HttpResponse, OpenStackHttp, OpenStackRequest } from './http';
import { TokenBodySchema, type CatalogEntry } from './schemas';

export interface TokenInfo {
  userId: string;
  userName: string | null;
  projectId: string | null;
  projectName: string | null;
  roles: string[];
  catalog: CatalogEntry[];
  /** Keystone's own expires_at. */
  expiresAt: string;
  /** Local clock time (ms) at which the token is renewed before use. */
  renewAtMs: number;
}

export class KeystoneSession {
  private info: TokenInfo | null = null;
  private readonly token: SessionToken;
  /** Successful logins (the first one and every renewal). */
  logins = 0;

  constructor(
    private readonly config: OpenStackCloudConfig,
    private readonly http: OpenStackHttp,
    private readonly now: () => number = Date.now,
  ) {
    this.token = new SessionToken(() => this.login());
  }

  get tokenInfo(): TokenInfo | null {
    return this.info;
  }

  get authUrl(): string {
    return keystoneV3Url(this.config.authUrl);
  }

  private authBody(): unknown {
    const c = this.config;
    const userDomain = c.userDomainName !== undefined ? { name: c.userDomainName } : { id: c.userDomainId ?? 'default' };
    const projectDomain = c.projectDomainName !== undefined ? { name: c.projectDomainName } : { id: c.projectDomainId ?? 'default' };
    const project = c.projectId !== undefined ? { id: c.projectId } : { name: c.projectName, domain: projectDomain };
    return {
      auth: {
        identity: { methods: ['password'], password: { user: { name: c.username, domain: userDomain, password: c.password } } },
        scope: { project },
      },
    };
  }

  private async login(): Promise<string> {
    const req: OpenStackRequest = { service: 'keystone', method: 'POST', url: `${this.authUrl}/auth/tokens`, json: this.authBody() };
    const sentAt = this.now();
    const res = await this.http.send(req);
    if (res.status !== 201) {
      const err = this.http.statusError(req, res);
      if (err.kind === 'auth') {
        throw new OpenStackError({ ...err.details, cause: `Keystone refused the credentials of user ${this.config.username} (${err.causeText})` });
      }
      throw err;
    }
    const subject = res.headers['x-subject-token'];
    const tokenId = Array.isArray(subject) ? undefined : subject;
    if (!tokenId) {
      throw new OpenStackError({ kind: 'shape', service: 'keystone', host: new URL(req.url).host, call: this.http.callName(req), cause: 'the 201 answer has no X-Subject-Token header', status: 201 });
    }
    const body = this.http.parse(req, res, TokenBodySchema, [201]).token;
    const lifetimeMs = parseOpenStackTime(body.expires_at) - parseOpenStackTime(body.issued_at);
    if (!Number.isFinite(lifetimeMs) || lifetimeMs <= 0) {
      throw new OpenStackError({ kind: 'shape', service: 'keystone', host: new URL(req.url).host, call: this.http.callName(req), cause: `token expires_at ${body.expires_at} is not after issued_at ${body.issued_at}`, status: 201 });
    }
    // Measured against the local clock from when the request was sent, so clock skew with Keystone does not matter.
    const margin = Math.min(this.config.renewBeforeMs, lifetimeMs / 4);
    this.info = {
      userId: body.user.id,
      userName: body.user.name ?? null,
      projectId: body.project?.id ?? null,
      projectName: body.project?.name ?? null,
      roles: body.roles.map((r) => r.name ?? r.id),
      catalog: body.catalog,
      expiresAt: body.expires_at,
      renewAtMs: sentAt + lifetimeMs - margin,
    };
    this.logins += 1;
    return tokenId;
  }

  private dropIfExpiring(): void {
    if (this.info && this.token.isOpen && this.now() >= this.info.renewAtMs) this.token.take();
  }

  /** Logs in now if there is no valid token; returns what the token says. */
  async authenticate(): Promise<TokenInfo> {
    this.dropIfExpiring();
    if (!this.token.isOpen) await this.token.open();
    return this.info!;
  }

  async endpoint(type: CatalogServiceType): Promise<ResolvedEndpoint> {
    const info = await this.authenticate();
    return findEndpoint(info.catalog, type, { region: this.config.region, interface: this.config.interface });
  }

  /** Sends `req` with the token; a 401 is answered by one new login and one retry. */
  async send(req: OpenStackRequest): Promise<HttpResponse> {
    this.dropIfExpiring();
    return this.token.send(
      (token) => this.http.send({ ...req, headers: { ...req.headers, 'x-auth-token': token } }),
      (res) => res.status === 401,
      (res) => {
        const err = this.http.statusError(req, res);
        return new OpenStackError({ ...err.details, cause: `refused a freshly issued token (${err.causeText})` });
      },
    );
  }

  /** Revokes the token (DELETE /v3/auth/tokens); failures are ignored, the token expires anyway. */
  async revoke(): Promise<void> {
    const token = this.token.take();
    this.info = null;
    if (!token) return;
    try {
      await this.http.send({ service: 'keystone', method: 'DELETE', url: `${this.authUrl}/auth/tokens`, headers: { 'x-auth-token': token, 'x-subject-token': token } });
    } catch {
      // Best effort: an unreachable Keystone cannot be told, and the token expires on its own.
    }
  }
}
