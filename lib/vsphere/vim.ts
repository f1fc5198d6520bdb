/**
 * VI/JSON API (`/sdk/vim25/{release}/...`): ServiceInstance content, SessionManager login with
 * transparent re-login, method invocation and property GETs on managed objects.
 */
import type { z } from 'zod';
import { VsphereError } from './errors';
import { faultText, httpError, readFault } from './http-errors';
import { ServiceContentSchema, UserSessionSchema, type MoRef, type ServiceContent } from './schemas';
import { SESSION_HEADER, SessionToken, type Credentials } from './session';
import type { HttpRequest, HttpResponse, Transport } from './transport';

/** ServiceContent members the client needs; a vCenter without one cannot serve that part. */
type ServiceRef = 'sessionManager' | 'viewManager' | 'cryptoManager';

export class VimApi {
  private readonly session: SessionToken;
  private contentCache: Promise<ServiceContent> | null = null;

  constructor(
    private readonly t: Transport,
    private readonly creds: Credentials,
    /** Negotiated API release, resolved lazily by the client. */
    private readonly release: () => Promise<string>,
  ) {
    this.session = new SessionToken(() => this.doLogin());
  }

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

  /** A manager from ServiceContent; its absence is a shape error (`why` says what that means). */
  async serviceRef(name: ServiceRef, why?: string): Promise<MoRef> {
    const ref = (await this.content())[name];
    if (!ref) {
      throw new VsphereError({
        kind: 'shape',
        vcenter: this.t.vcenter,
        call: 'GET ServiceInstance content',
        cause: `ServiceContent has no ${name}${why ? ` (${why})` : ''}`,
        jsonPath: `$.${name}`,
        field: name,
      });
    }
    return ref;
  }

  /** SessionManager.Login; the session id comes back in the vmware-api-session-id response header. */
  login(): Promise<void> {
    return this.session.open();
  }

  private async doLogin(): Promise<string> {
    const sm = await this.serviceRef('sessionManager');
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

  get hasSession(): boolean {
    return this.session.isOpen;
  }

  async logout(): Promise<void> {
    const token = this.session.take();
    if (!token) return;
    const sm = await this.serviceRef('sessionManager');
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
  private sendAuthenticated(req: Omit<HttpRequest, 'headers'>): Promise<{ req: HttpRequest; res: HttpResponse }> {
    return this.session.send(
      async (token) => {
        const sent: HttpRequest = { ...req, headers: { [SESSION_HEADER]: token } };
        return { req: sent, res: await this.t.send(sent) };
      },
      ({ res }) => this.isNotAuthenticated(res),
      ({ req: sent, res }) =>
        new VsphereError({
          kind: 'auth',
          vcenter: this.t.vcenter,
          call: this.t.callName(sent),
          cause: 'session refused again right after a fresh login (NotAuthenticated)',
          status: res.status,
          faultType: 'NotAuthenticated',
        }),
    );
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
