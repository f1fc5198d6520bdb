/**
 * vSphere Automation API (`/api`): session lifecycle with transparent renewal on 401, release
 * negotiation, inventory lists and key-provider health (vCenter-wide and per host).
 */
import { z } from 'zod';
import { VsphereError } from './errors';
import { httpError } from './http-errors';
import {
  ClusterSummarySchema,
  HelloResultSchema,
  HostKmsProviderInfoSchema,
  HostKmsProviderSummarySchema,
  HostSummarySchema,
  KmsProviderInfoSchema,
  KmsProviderSummarySchema,
  SessionTokenSchema,
  VmSummarySchema,
  type ClusterSummary,
  type HOST_CONNECTION_STATES,
  type HostKmsProviderInfo,
  type HostKmsProviderSummary,
  type HostSummary,
  type KmsProviderInfo,
  type KmsProviderSummary,
  type VM_POWER_STATES,
  type VmSummary,
} from './schemas';
import { SESSION_HEADER, SessionToken, type Credentials } from './session';
import type { HttpRequest, Transport } from './transport';

export interface HostFilter {
  hosts?: string[];
  names?: string[];
  clusters?: string[];
  connection_states?: (typeof HOST_CONNECTION_STATES)[number][];
}
export interface ClusterFilter {
  clusters?: string[];
  names?: string[];
}
export interface VmFilter {
  vms?: string[];
  names?: string[];
  hosts?: string[];
  clusters?: string[];
  power_states?: (typeof VM_POWER_STATES)[number][];
}

/** `?a=1&a=2` query string from array-valued filters, the form the Automation API expects. */
export function queryString(filter: Record<string, readonly string[] | undefined> | undefined): string {
  if (!filter) return '';
  const params = new URLSearchParams();
  for (const [key, values] of Object.entries(filter)) {
    for (const v of values ?? []) params.append(key, v);
  }
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

export class AutomationApi {
  private readonly session: SessionToken;

  constructor(
    private readonly t: Transport,
    private readonly creds: Credentials,
  ) {
    this.session = new SessionToken(() => this.login());
  }

  get hasSession(): boolean {
    return this.session.isOpen;
  }

  /** POST /api/session with basic auth; keeps the token for later calls. */
  createSession(): Promise<void> {
    return this.session.open();
  }

  private async login(): Promise<string> {
    const req: HttpRequest = {
      method: 'POST',
      path: '/api/session',
      headers: { authorization: `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}` },
    };
    const res = await this.t.send(req);
    if (res.status === 401 || res.status === 403) {
      throw new VsphereError({
        kind: 'auth',
        vcenter: this.t.vcenter,
        call: this.t.callName(req),
        cause: `user name or password refused for ${this.creds.username} (HTTP ${res.status})`,
        status: res.status,
      });
    }
    if (res.status < 200 || res.status > 299) throw httpError(this.t, req, res);
    return this.t.parseJson(req, res, SessionTokenSchema, { showValues: false });
  }

  /** DELETE /api/session. A session that already expired counts as deleted. */
  async deleteSession(): Promise<void> {
    const token = this.session.take();
    if (!token) return;
    const req: HttpRequest = { method: 'DELETE', path: '/api/session', headers: { [SESSION_HEADER]: token } };
    const res = await this.t.send(req);
    if (res.status !== 401 && (res.status < 200 || res.status > 299)) throw httpError(this.t, req, res);
  }

  /** Authenticated request; renews the session once on 401. */
  async call<S extends z.ZodType>(
    method: HttpRequest['method'],
    path: string,
    schema: S,
    json?: unknown,
  ): Promise<z.output<S>> {
    const req: HttpRequest = { method, path, json };
    const res = await this.session.send(
      (token) => this.t.send({ ...req, headers: { [SESSION_HEADER]: token } }),
      (r) => r.status === 401,
      () =>
        new VsphereError({
          kind: 'auth',
          vcenter: this.t.vcenter,
          call: this.t.callName(req),
          cause: 'session refused again right after renewal (HTTP 401)',
          status: 401,
        }),
    );
    if (res.status < 200 || res.status > 299) throw httpError(this.t, req, res);
    return this.t.parseJson(req, res, schema);
  }

  /**
   * POST /api/vcenter/system?action=hello. Returns the release the server picked, or null when the
   * endpoint does not exist (vCenter before 8.0 U2).
   */
  async hello(releases: string[]): Promise<string | null> {
    const path = '/api/vcenter/system?action=hello';
    try {
      const result = await this.call('POST', path, HelloResultSchema, { api_releases: releases });
      if (result.api_release === '') {
        throw new VsphereError({
          kind: 'release',
          vcenter: this.t.vcenter,
          call: `POST ${path}`,
          cause: `no API release in common (client offers ${releases.join(', ')})`,
        });
      }
      return result.api_release;
    } catch (err) {
      if (err instanceof VsphereError && err.status === 404) return null;
      throw err;
    }
  }

  listHosts(filter?: HostFilter): Promise<HostSummary[]> {
    return this.call('GET', `/api/vcenter/host${queryString({ ...filter })}`, z.array(HostSummarySchema));
  }

  listClusters(filter?: ClusterFilter): Promise<ClusterSummary[]> {
    return this.call('GET', `/api/vcenter/cluster${queryString({ ...filter })}`, z.array(ClusterSummarySchema));
  }

  listVms(filter?: VmFilter): Promise<VmSummary[]> {
    return this.call('GET', `/api/vcenter/vm${queryString({ ...filter })}`, z.array(VmSummarySchema));
  }

  listProviders(): Promise<KmsProviderSummary[]> {
    return this.call('GET', '/api/vcenter/crypto-manager/kms/providers', z.array(KmsProviderSummarySchema));
  }

  getProvider(provider: string): Promise<KmsProviderInfo> {
    return this.call('GET', `/api/vcenter/crypto-manager/kms/providers/${encodeURIComponent(provider)}`, KmsProviderInfoSchema);
  }

  listHostProviders(host: string): Promise<HostKmsProviderSummary[]> {
    return this.call(
      'GET',
      `/api/vcenter/crypto-manager/hosts/${encodeURIComponent(host)}/kms/providers`,
      z.array(HostKmsProviderSummarySchema),
    );
  }

  getHostProvider(host: string, provider: string): Promise<HostKmsProviderInfo> {
    return this.call(
      'GET',
      `/api/vcenter/crypto-manager/hosts/${encodeURIComponent(host)}/kms/providers/${encodeURIComponent(provider)}`,
      HostKmsProviderInfoSchema,
    );
  }
}
