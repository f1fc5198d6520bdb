/**
 * Barbican v1 client: version discovery, the unauthenticated `/healthcheck`, secrets (list with
 * paging and filters, metadata), ACLs and orders. Reads only, except key orders (what Castellan
 * does to create a volume key). A secret that is missing (404) or unreadable for this token (403)
 * is an answer, not an exception: both say something about a volume's key.
 */
import type { HttpResponse, OpenStackHttp, OpenStackRequest } from './http';
import type { KeystoneSession } from './keystone';
import {
  BarbicanLegacyVersionsSchema,
  BarbicanMicroversionsSchema,
  OrderCreatedSchema,
  OrderListSchema,
  OrderSchema,
  SecretAclSchema,
  SecretListSchema,
  SecretSchema,
  type Order,
  type Secret,
  type SecretAcl,
  type SecretList,
} from './schemas';

/** Barbican caps `limit` at 100. */
export const BARBICAN_MAX_PAGE = 100;

export type SecretLookup = { kind: 'found'; secret: Secret } | { kind: 'not-found'; message: string } | { kind: 'forbidden'; message: string };
export type AclLookup = { kind: 'found'; acl: SecretAcl } | { kind: 'not-found'; message: string } | { kind: 'forbidden'; message: string };

export interface SecretListQuery {
  limit?: number;
  offset?: number;
  name?: string;
  alg?: string;
  mode?: string;
  bits?: number;
  secretType?: string;
  /** Only secrets this token's user reaches through a read ACL. */
  aclOnly?: boolean;
  /** Barbican's comparison syntax, e.g. `gt:2024-01-01T00:00:00`. */
  created?: string;
  updated?: string;
  expiration?: string;
  /** e.g. `created:desc`. */
  sort?: string;
}

export interface Healthcheck {
  /** HTTP status: 200 `OK`, 503 `DISABLED BY FILE`, 404 on releases before Wallaby. */
  status: number;
  body: string;
  latencyMs: number;
}

export interface BarbicanVersions {
  status: number;
  /** Version ids from the legacy document (`v1`) with their status. */
  versions: { id: string; status: string; minVersion: string | null; maxVersion: string | null }[];
}

/** The UUID at the end of a `secret_ref` / `order_ref`. */
export function idFromRef(ref: string): string {
  return ref.replace(/\/+$/, '').split('/').pop() ?? ref;
}

function secretListParams(q: SecretListQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.offset !== undefined) p.set('offset', String(q.offset));
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.name !== undefined) p.set('name', q.name);
  if (q.alg !== undefined) p.set('alg', q.alg);
  if (q.mode !== undefined) p.set('mode', q.mode);
  if (q.bits !== undefined) p.set('bits', String(q.bits));
  if (q.secretType !== undefined) p.set('secret_type', q.secretType);
  if (q.aclOnly) p.set('acl_only', 'true');
  if (q.created !== undefined) p.set('created', q.created);
  if (q.updated !== undefined) p.set('updated', q.updated);
  if (q.expiration !== undefined) p.set('expiration', q.expiration);
  if (q.sort !== undefined) p.set('sort', q.sort);
  return p;
}

export class BarbicanClient {
  /** Requests that named one secret (metadata or ACL), by secret id. */
  readonly requestsPerSecret = new Map<string, number>();
  /** Secret-list pages fetched. */
  listPages = 0;

  constructor(
    private readonly session: KeystoneSession,
    private readonly http: OpenStackHttp,
  ) {}

  /** The catalog's key-manager URL without a trailing `/v1`. */
  async baseUrl(): Promise<string> {
    const endpoint = await this.session.endpoint('key-manager');
    return endpoint.url.replace(/\/v1$/, '');
  }

  private countSecret(id: string): void {
    this.requestsPerSecret.set(id, (this.requestsPerSecret.get(id) ?? 0) + 1);
  }

  private async get(path: string): Promise<{ req: OpenStackRequest; res: HttpResponse }> {
    const req: OpenStackRequest = { service: 'barbican', method: 'GET', url: `${await this.baseUrl()}${path}` };
    return { req, res: await this.session.send(req) };
  }

  /** `GET /` (no token): the legacy 300 document, or the microversion one when `microversion` is given. */
  async versions(microversion?: string): Promise<BarbicanVersions> {
    const headers: Record<string, string> = microversion ? { 'openstack-api-version': `key-manager ${microversion}` } : {};
    const req: OpenStackRequest = { service: 'barbican', method: 'GET', url: `${await this.baseUrl()}/`, headers };
    const res = await this.http.send(req);
    if (microversion) {
      const body = this.http.parse(req, res, BarbicanMicroversionsSchema, [200, 300]);
      return { status: res.status, versions: body.versions.map((v) => ({ id: v.id, status: v.status, minVersion: v.min_version ?? null, maxVersion: v.max_version ?? null })) };
    }
    const body = this.http.parse(req, res, BarbicanLegacyVersionsSchema, [200, 300]);
    return { status: res.status, versions: body.versions.values.map((v) => ({ id: v.id, status: v.status, minVersion: null, maxVersion: null })) };
  }

  /** `GET /healthcheck` without a token. Only proves the API process answers. */
  async healthcheck(): Promise<Healthcheck> {
    const req: OpenStackRequest = { service: 'barbican', method: 'GET', url: `${await this.baseUrl()}/healthcheck` };
    const started = performance.now();
    const res = await this.http.send(req);
    return { status: res.status, body: res.text.trim().slice(0, 200), latencyMs: performance.now() - started };
  }

  /** One page of `GET /v1/secrets` (only the token's project; expired secrets are left out by Barbican). */
  async listSecrets(query: SecretListQuery = {}): Promise<SecretList> {
    if (query.limit !== undefined && (query.limit < 1 || query.limit > BARBICAN_MAX_PAGE)) {
      throw new RangeError(`limit must be 1..${BARBICAN_MAX_PAGE}`);
    }
    const params = secretListParams(query).toString();
    const { req, res } = await this.get(`/v1/secrets${params ? `?${params}` : ''}`);
    this.listPages += 1;
    return this.http.parse(req, res, SecretListSchema);
  }

  /**
   * Every secret matching `query`, paging by offset. Barbican's `next` link is only used as "there is
   * more": it is built from Barbican's configured host name, which behind a proxy may not be reachable.
   */
  async listAllSecrets(query: Omit<SecretListQuery, 'offset' | 'limit'> = {}): Promise<{ secrets: Secret[]; total: number }> {
    const secrets: Secret[] = [];
    let total = 0;
    for (let offset = 0; ; ) {
      const page = await this.listSecrets({ ...query, offset, limit: BARBICAN_MAX_PAGE });
      total = page.total;
      secrets.push(...page.secrets);
      offset += page.secrets.length;
      if (page.secrets.length === 0 || offset >= page.total || !page.next) break;
    }
    return { secrets, total };
  }

  private lookupOutcome(req: OpenStackRequest, res: HttpResponse): { kind: 'not-found' | 'forbidden'; message: string } | null {
    if (res.status !== 404 && res.status !== 403) return null;
    const err = this.http.statusError(req, res);
    return { kind: res.status === 404 ? 'not-found' : 'forbidden', message: err.causeText };
  }

  /** `GET /v1/secrets/{id}` metadata (never the payload). */
  async getSecret(id: string): Promise<SecretLookup> {
    this.countSecret(id);
    const { req, res } = await this.get(`/v1/secrets/${encodeURIComponent(id)}`);
    return this.lookupOutcome(req, res) ?? { kind: 'found', secret: this.http.parse(req, res, SecretSchema) };
  }

  /** `GET /v1/secrets/{id}/acl`. */
  async getAcl(id: string): Promise<AclLookup> {
    this.countSecret(id);
    const { req, res } = await this.get(`/v1/secrets/${encodeURIComponent(id)}/acl`);
    return this.lookupOutcome(req, res) ?? { kind: 'found', acl: this.http.parse(req, res, SecretAclSchema) };
  }

  /** `POST /v1/orders` for a symmetric key, as Castellan creates a volume key; returns the order id. */
  async createKeyOrder(meta: { algorithm: string; bitLength: number; mode?: string; name?: string }): Promise<string> {
    const req: OpenStackRequest = {
      service: 'barbican',
      method: 'POST',
      url: `${await this.baseUrl()}/v1/orders`,
      json: { type: 'key', meta: { algorithm: meta.algorithm, bit_length: meta.bitLength, ...(meta.mode ? { mode: meta.mode } : {}), ...(meta.name ? { name: meta.name } : {}) } },
    };
    const res = await this.session.send(req);
    return idFromRef(this.http.parse(req, res, OrderCreatedSchema, [202]).order_ref);
  }

  async getOrder(id: string): Promise<Order> {
    const { req, res } = await this.get(`/v1/orders/${encodeURIComponent(id)}`);
    return this.http.parse(req, res, OrderSchema);
  }

  /** Every order of the token's project. */
  async listAllOrders(): Promise<Order[]> {
    const orders: Order[] = [];
    for (let offset = 0; ; ) {
      const { req, res } = await this.get(`/v1/orders?offset=${offset}&limit=${BARBICAN_MAX_PAGE}`);
      const page = this.http.parse(req, res, OrderListSchema);
      orders.push(...page.orders);
      offset += page.orders.length;
      if (page.orders.length === 0 || offset >= page.total || !page.next) break;
    }
    return orders;
  }
}

