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
import type { HttpRequest, Transport } from './transport';

export const SESSION_HEADER = 'vmware-api-session-id';

export interface Credentials {
  username: string;
  password: string;
}

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
  private token: string | null = null;
  private renewal: Promise<string> | null = null;

  constructor(
    private readonly t: Transport,
    private readonly creds: Credentials,
  ) {}

  get hasSession(): boolean {
    return this.token !== null;
  }

  /** POST /api/session with basic auth; keeps the token for later calls. */
  async createSession(): Promise<void> {
    this.token = await this.login();
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

  /** One renewal at a time: concurrent 401s wait for the same new token. */
  private renew(): Promise<string> {
    if (!this.renewal) {
      this.renewal = this.login()
        .then((token) => {
          this.token = token;
          return token;
        })
        .finally(() => {
          this.renewal = null;
        });
    }
    return this.renewal;
  }

  /** DELETE /api/session. A session that already expired counts as deleted. */
  async deleteSession(): Promise<void> {
    const token = this.token;
    if (!token) return;
    this.token = null;
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
    const token = this.token ?? (await this.renew());
    const req: HttpRequest = { method, path, json, headers: { [SESSION_HEADER]: token } };
    let res = await this.t.send(req);
    if (res.status === 401) {
      // Another call may already have renewed the session while this one was in flight.
      const fresh = this.token && this.token !== token ? this.token : await this.renew();
      res = await this.t.send({ ...req, headers: { [SESSION_HEADER]: fresh } });
      if (res.status === 401) {
        throw new VsphereError({
          kind: 'auth',
          vcenter: this.t.vcenter,
          call: this.t.callName(req),
          cause: 'session refused again right after renewal (HTTP 401)',
          status: 401,
        });
      }
    }
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
