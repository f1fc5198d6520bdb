/**
 * VI/JSON API (`/sdk/vim25/{release}/...`): ServiceInstance content, SessionManager login with
 * transparent re-login, method invocation and property GETs on managed objects.
 */
import type { z } from 'zod';
import { SESSION_HEADER, type Credentials } from './automation';
import { VsphereError } from './errors';
import { faultText, httpError, readFault } from './http-errors';
import { ServiceContentSchema, UserSessionSchema, type MoRef, type ServiceContent } from './schemas';
import type { HttpRequest, HttpResponse, Transport } from './transport';

export class VimApi {
  private session: string | null = null;
  private renewal: Promise<string> | null = null;
  private contentCache: Promise<ServiceContent> | null = null;

  constructor(
    private readonly t: Transport,
    private readonly creds: Credentials,
    /** Negotiated API release, resolved lazily by the client. */
    private readonly release: () => Promise<string>,
  ) {}

  /** Last resolved `/sdk/vim25/{release}`, for error labels built outside a request. */
  private knownBase = '/sdk/vim25/…';

  private async base(): Promise<string> {
    this.knownBase = `/sdk/vim25/${encodeURIComponent(await this.release())}`;
    return this.knownBase;
  }

  /** ServiceInstance content (cached; needs no session). */
  content(): Promise<ServiceContent> {
    if (!this.contentCache) {
      this.contentCache = (async () => {
        const req: HttpRequest = { method: 'GET', path: `${await this.base()}/ServiceInstance/ServiceInstance/content` };
        const res = await this.t.send(req);
        if (res.status < 200 || res.status > 299) throw httpError(this.t, req, res);
        return this.t.parseJson(req, res, ServiceContentSchema);
      })();
      this.contentCache.catch(() => {
        this.contentCache = null;
      });
    }
    return this.contentCache;
  }

  private async sessionManager(): Promise<MoRef> {
    const content = await this.content();
    if (!content.sessionManager) {
      throw new VsphereError({
        kind: 'shape',
        vcenter: this.t.vcenter,
        call: 'GET ServiceInstance content',
        cause: 'ServiceContent has no sessionManager',
        jsonPath: '$.sessionManager',
        field: 'sessionManager',
      });
    }
    return content.sessionManager;
  }

  /** SessionManager.Login; the session id comes back in the vmware-api-session-id response header. */
  async login(): Promise<void> {
    this.session = await this.doLogin();
  }

  private async doLogin(): Promise<string> {
    const sm = await this.sessionManager();
    const req: HttpRequest = {
      method: 'POST',
      path: `${await this.base()}/${sm.type}/${encodeURIComponent(sm.value)}/Login`,
      json: { userName: this.creds.username, password: this.creds.password },
    };
    const res = await this.t.send(req);
    if (res.status < 200 || res.status > 299) {
      const fault = readFault(res);
      if (fault?._typeName === 'InvalidLogin' || res.status === 401) {
        throw new VsphereError({
          kind: 'auth',
          vcenter: this.t.vcenter,
          call: this.t.callName(req),
          cause: `user name or password refused for ${this.creds.username} (${fault?._typeName ?? `HTTP ${res.status}`})`,
          status: res.status,
          faultType: fault?._typeName,
        });
      }
      throw httpError(this.t, req, res);
    }
    this.t.parseJson(req, res, UserSessionSchema, { showValues: false });
    const header = res.headers[SESSION_HEADER];
    const token = Array.isArray(header) ? header[0] : header;
    if (!token) {
      throw new VsphereError({
        kind: 'shape',
        vcenter: this.t.vcenter,
        call: this.t.callName(req),
        cause: `login succeeded but the ${SESSION_HEADER} response header is missing`,
        field: SESSION_HEADER,
      });
    }
    return token;
  }

  private renew(): Promise<string> {
    if (!this.renewal) {
      this.renewal = this.doLogin()
        .then((token) => {
          this.session = token;
          return token;
        })
        .finally(() => {
          this.renewal = null;
        });
    }
    return this.renewal;
  }

  get hasSession(): boolean {
    return this.session !== null;
  }

  async logout(): Promise<void> {
    const token = this.session;
    if (!token) return;
    this.session = null;
    const sm = await this.sessionManager();
    const req: HttpRequest = {
      method: 'POST',
      path: `${await this.base()}/${sm.type}/${encodeURIComponent(sm.value)}/Logout`,
      headers: { [SESSION_HEADER]: token },
    };
    const res = await this.t.send(req);
    if (res.status !== 401 && readFault(res)?._typeName !== 'NotAuthenticated' && (res.status < 200 || res.status > 299)) {
      throw httpError(this.t, req, res);
    }
  }

  private isNotAuthenticated(res: HttpResponse): boolean {
    if (res.status === 401) return true;
    if (res.status >= 200 && res.status < 300) return false;
    return readFault(res)?._typeName === 'NotAuthenticated';
  }

  /** Sends with the session, logging in again once if the server says the session is gone. */
  private async sendAuthenticated(req: Omit<HttpRequest, 'headers'>): Promise<{ req: HttpRequest; res: HttpResponse }> {
    const token = this.session ?? (await this.renew());
    const first: HttpRequest = { ...req, headers: { [SESSION_HEADER]: token } };
    const res = await this.t.send(first);
    if (!this.isNotAuthenticated(res)) return { req: first, res };
    // Another call may already have logged in again while this one was in flight.
    const fresh = this.session && this.session !== token ? this.session : await this.renew();
    const second: HttpRequest = { ...req, headers: { [SESSION_HEADER]: fresh } };
    const again = await this.t.send(second);
    if (this.isNotAuthenticated(again)) {
      throw new VsphereError({
        kind: 'auth',
        vcenter: this.t.vcenter,
        call: this.t.callName(second),
        cause: 'session refused again right after a fresh login (NotAuthenticated)',
        status: again.status,
        faultType: 'NotAuthenticated',
      });
    }
    return { req: second, res: again };
  }

  private failure(req: HttpRequest, res: HttpResponse): VsphereError {
    const fault = readFault(res);
    if (fault) {
      return new VsphereError({
        kind: 'fault',
        vcenter: this.t.vcenter,
        call: this.t.callName(req),
        cause: `fault ${faultText(fault)} (HTTP ${res.status})`,
        status: res.status,
        faultType: fault._typeName,
      });
    }
    return httpError(this.t, req, res);
  }

  /**
   * POST /{MoType}/{moId}/{method}. `allowEmpty` for methods that return nothing (204) or may
   * return an empty body (RetrievePropertiesEx with no match).
   */
  async invoke<S extends z.ZodType>(
    obj: MoRef,
    method: string,
    body: unknown,
    schema: S,
    opts: { allowEmpty?: boolean; pathPrefix?: string } = {},
  ): Promise<z.output<S>> {
    const path = `${await this.base()}${opts.pathPrefix ?? ''}/${obj.type}/${encodeURIComponent(obj.value)}/${method}`;
    const { req, res } = await this.sendAuthenticated({ method: 'POST', path, json: body ?? {} });
    if (res.status < 200 || res.status > 299) throw this.failure(req, res);
    return this.t.parseJson(req, res, schema, { allowEmpty: opts.allowEmpty });
  }

  /** GET /{MoType}/{moId}/{property}. */
  async getProperty<S extends z.ZodType>(obj: MoRef, property: string, schema: S): Promise<z.output<S>> {
    const path = `${await this.base()}/${obj.type}/${encodeURIComponent(obj.value)}/${property}`;
    const { req, res } = await this.sendAuthenticated({ method: 'GET', path });
    if (res.status < 200 || res.status > 299) throw this.failure(req, res);
    return this.t.parseJson(req, res, schema);
  }

  /** Shape-error context for values decoded outside parseJson (property values). */
  callLabel(obj: MoRef, method: string): string {
    return `POST ${this.knownBase}/${obj.type}/${encodeURIComponent(obj.value)}/${method}`;
  }

  get vcenter(): string {
    return this.t.vcenter;
  }
}
