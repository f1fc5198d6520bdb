/**
 * The lab Barbican (v1, legacy policy): version discovery, `/healthcheck`, secrets (list with
 * paging, filters and sort; metadata; create; delete), ACLs and key orders. Bodies and messages
 * follow Barbican's: `{"code":404,"title":"Not Found","description":"Secret not found."}`, 403
 * "… attempt not allowed - please review your user/project privileges", 500 "… failure seen -
 * please contact site administrator.", and keystonemiddleware's webob 503 when Keystone is out of reach.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseOpenStackTime } from '@/lib/openstack/key-state';
import { parseJsonBody, type RouteAnswer } from '../vcenter/http';
import { unauthorized, type LabCloudContext } from './context';
import { barbicanTime, type LabSecret } from './estate';
import type { LabOrder, LabToken } from './model';

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 10;
const READ_ROLES = ['admin', 'creator', 'observer', 'audit', 'member', 'reader'];

function barbicanError(status: number, title: string, description: string): RouteAnswer {
  return { status, body: { code: status, title, description } };
}
const notAllowed = (operation: string) => barbicanError(403, 'Forbidden', `${operation} attempt not allowed - please review your user/project privileges`);
const failureSeen = (operation: string) => barbicanError(500, 'Internal Server Error', `${operation} failure seen - please contact site administrator.`);
const secretNotFound = () => barbicanError(404, 'Not Found', 'Secret not found.');

/** keystonemiddleware raising HTTPServiceUnavailable, rendered by webob as JSON. */
export const KEYSTONE_UNREACHABLE_BODY = {
  message: 'The server is currently unavailable. Please try again at a later time.<br /><br />\nThe Keystone service is temporarily unavailable.\n\n',
  code: '503 Service Unavailable',
  title: 'Service Unavailable',
};

/** What a load balancer answers when no Barbican backend is left. */
export const PROXY_503_HTML = '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n';

function secretView(ctx: LabCloudContext, s: LabSecret) {
  return {
    status: s.status,
    created: s.created,
    updated: s.updated,
    expiration: s.expiration,
    algorithm: s.algorithm,
    bit_length: s.bitLength,
    mode: s.mode,
    name: s.name,
    secret_ref: `${ctx.urls.barbican}/v1/secrets/${s.id}`,
    secret_type: s.secretType,
    content_types: { default: 'application/octet-stream' },
    creator_id: s.creatorId,
    consumers: [],
  };
}

function orderView(ctx: LabCloudContext, o: LabOrder) {
  return {
    order_ref: `${ctx.urls.barbican}/v1/orders/${o.id}`,
    type: 'key',
    status: o.status,
    meta: o.meta,
    created: o.created,
    updated: o.updated,
    creator_id: o.creatorId,
    sub_status: 'Unknown',
    sub_status_message: 'Unknown',
    ...(o.secretId ? { secret_ref: `${ctx.urls.barbican}/v1/secrets/${o.secretId}` } : {}),
    ...(o.status === 'ERROR' ? { error_status_code: o.errorStatusCode, error_reason: o.errorReason } : {}),
  };
}

class QueryError extends Error {}

function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new QueryError(`Invalid value '${raw}' for ${name}; it must be a non-negative integer.`);
  return Number(raw);
}

/** Barbican's date filter: `gt:…,lt:…` or a plain value (equality). */
function dateFilter(url: URL, name: string): ((value: string | null) => boolean) | null {
  const raw = url.searchParams.get(name);
  if (!raw) return null;
  const tests = raw.split(',').map((part) => {
    const m = /^(gt|gte|lt|lte):(.+)$/.exec(part);
    const at = parseOpenStackTime(m ? m[2]! : part);
    if (!Number.isFinite(at)) throw new QueryError(`Invalid date filter '${part}' for ${name}.`);
    const op = m ? m[1] : 'eq';
    return (t: number) => (op === 'gt' ? t > at : op === 'gte' ? t >= at : op === 'lt' ? t < at : op === 'lte' ? t <= at : t === at);
  });
  return (value) => value !== null && tests.every((test) => test(parseOpenStackTime(value)));
}

const SORT_KEYS: Record<string, (s: LabSecret) => string | number | null> = {
  created: (s) => s.created,
  updated: (s) => s.updated,
  name: (s) => s.name,
  expiration: (s) => s.expiration,
  algorithm: (s) => s.algorithm,
  bit_length: (s) => s.bitLength,
  mode: (s) => s.mode,
  secret_type: (s) => s.secretType,
  status: (s) => s.status,
};

function sorter(raw: string | null): (a: LabSecret, b: LabSecret) => number {
  const keys = (raw ?? 'created:asc').split(',').map((part) => {
    const [key, dir = 'asc'] = part.split(':');
    const get = SORT_KEYS[key ?? ''];
    if (!get || (dir !== 'asc' && dir !== 'desc')) throw new QueryError(`Invalid sort '${part}'.`);
    return { get, sign: dir === 'desc' ? -1 : 1 };
  });
  return (a, b) => {
    for (const { get, sign } of keys) {
      const x = get(a) ?? '';
      const y = get(b) ?? '';
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return 0;
  };
}

function page<T>(ctx: LabCloudContext, collection: string, url: URL, rows: T[]): { items: T[]; total: number; next?: string; previous?: string } {
  const offset = intParam(url, 'offset', 0);
  const limit = Math.min(intParam(url, 'limit', DEFAULT_LIMIT) || DEFAULT_LIMIT, MAX_LIMIT);
  const items = rows.slice(offset, offset + limit);
  const link = (o: number) => `${ctx.urls.barbican}/v1/${collection}?limit=${limit}&offset=${o}`;
  return {
    items,
    total: rows.length,
    ...(offset + limit < rows.length ? { next: link(offset + limit) } : {}),
    ...(offset > 0 ? { previous: link(Math.max(0, offset - limit)) } : {}),
  };
}

function listSecrets(ctx: LabCloudContext, token: LabToken, url: URL): RouteAnswer {
  if (!ctx.model.hasRole(token, ...READ_ROLES)) return notAllowed('Secret(s) retrieval');
  const p = url.searchParams;
  const aclOnly = p.get('acl_only') === 'true';
  const checks: ((s: LabSecret) => boolean)[] = [aclOnly ? (s) => s.acl?.users.includes(token.userId) ?? false : (s) => s.projectId === token.projectId];
  const name = p.get('name');
  if (name) checks.push((s) => s.name === name);
  const alg = p.get('alg');
  if (alg) checks.push((s) => s.algorithm.toLowerCase() === alg.toLowerCase());
  const mode = p.get('mode');
  if (mode) checks.push((s) => s.mode === mode);
  const bits = p.get('bits');
  if (bits) checks.push((s) => s.bitLength === Number(bits));
  const secretType = p.get('secret_type');
  if (secretType) checks.push((s) => s.secretType === secretType);
  for (const field of ['created', 'updated', 'expiration'] as const) {
    const f = dateFilter(url, field);
    if (f) checks.push((s) => f(s[field]));
  }
  const rows: LabSecret[] = [];
  for (const s of ctx.model.estate.secrets) {
    if (ctx.model.liveSecret(s.id) && checks.every((c) => c(s))) rows.push(s);
  }
  rows.sort(sorter(p.get('sort')));
  const { items, ...rest } = page(ctx, 'secrets', url, rows);
  return { status: 200, body: { secrets: items.map((s) => secretView(ctx, s)), ...rest } };
}

const createSecretSchema = z.object({
  name: z.string().nullable().optional(),
  payload: z.string().optional(),
  payload_content_type: z.string().optional(),
  payload_content_encoding: z.string().optional(),
  algorithm: z.string().nullable().optional(),
  bit_length: z.number().int().positive().nullable().optional(),
  mode: z.string().nullable().optional(),
  secret_type: z.enum(['symmetric', 'public', 'private', 'passphrase', 'certificate', 'opaque']).default('opaque'),
  expiration: z.string().nullable().optional(),
});

function createSecret(ctx: LabCloudContext, token: LabToken, bodyText: string): RouteAnswer {
  if (!ctx.model.hasRole(token, 'admin', 'creator')) return notAllowed('Secret creation');
  const parsed = createSecretSchema.safeParse(parseJsonBody(bodyText));
  if (!parsed.success) return barbicanError(400, 'Bad Request', `Provided object does not match schema 'Secret': ${parsed.error.issues[0]?.path.join('.') || 'body'}: ${parsed.error.issues[0]?.message}`);
  const b = parsed.data;
  if (b.payload !== undefined && (b.payload_content_encoding !== 'base64' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b.payload))) {
    return barbicanError(400, 'Bad Request', "Provided object does not match schema 'Secret': payload must be base64 with payload_content_encoding 'base64'");
  }
  if (b.expiration && !(parseOpenStackTime(b.expiration) > ctx.model.now())) return barbicanError(400, 'Bad Request', "Invalid date for 'expiration'.");
  const bits = b.bit_length ?? (b.payload ? Buffer.from(b.payload, 'base64').length * 8 : null);
  const s = ctx.model.addSecret({
    id: randomUUID(),
    projectId: token.projectId,
    creatorId: token.userId,
    name: b.name ?? null,
    algorithm: b.algorithm ?? 'aes',
    bitLength: bits ?? 0,
    mode: b.mode ?? null,
    secretType: b.secret_type,
    status: 'ACTIVE',
    expiration: b.expiration ? barbicanTime(parseOpenStackTime(b.expiration)) : null,
  });
  return { status: 201, body: { secret_ref: `${ctx.urls.barbican}/v1/secrets/${s.id}` } };
}

const aclSchema = z.object({ read: z.object({ users: z.array(z.string()).default([]), 'project-access': z.boolean().default(true) }) });

function secretRoutes(ctx: LabCloudContext, token: LabToken, method: string, id: string, sub: string | undefined, bodyText: string): RouteAnswer {
  const { model } = ctx;
  if (method === 'GET') model.countSecretRequest(id);
  // Barbican looks the secret up by id before any policy check (so 404 tells even a stranger it is gone).
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return barbicanError(404, 'Not Found', 'Not Found. Provided secret id is invalid.');
  const secret = model.liveSecret(id);
  if (!secret) return secretNotFound();
  const inProject = token.projectId === secret.projectId;
  if (sub === undefined) {
    if (method === 'GET') return model.canReadSecret(token, secret) ? { status: 200, body: secretView(ctx, secret) } : notAllowed('Secret retrieval');
    if (method === 'DELETE') {
      if (!(inProject && (model.hasRole(token, 'admin') || (model.hasRole(token, 'creator') && secret.creatorId === token.userId)))) return notAllowed('Secret deletion');
      model.deleteSecret(id);
      return { status: 204 };
    }
  }
  if (sub === 'acl') {
    if (method === 'GET') {
      if (!(inProject && model.canReadSecret(token, secret) && !model.hasRole(token, 'audit'))) return notAllowed('SecretACL(s) retrieval');
      const read = secret.acl
        ? { users: secret.acl.users, 'project-access': secret.acl.projectAccess, created: secret.acl.created, updated: secret.acl.updated }
        : { 'project-access': true };
      return { status: 200, body: { read } };
    }
    if (method === 'PUT') {
      if (!(inProject && (model.hasRole(token, 'admin') || (model.hasRole(token, 'creator') && secret.creatorId === token.userId)))) return notAllowed('SecretACL(s) Update');
      const parsed = aclSchema.safeParse(parseJsonBody(bodyText));
      if (!parsed.success) return barbicanError(400, 'Bad Request', `Provided object does not match schema 'ACL': ${parsed.error.issues[0]?.message}`);
      const t = barbicanTime(model.now());
      secret.acl = { users: parsed.data.read.users, projectAccess: parsed.data.read['project-access'], created: secret.acl?.created ?? t, updated: t };
      return { status: 200, body: { acl_ref: `${ctx.urls.barbican}/v1/secrets/${id}/acl` } };
    }
  }
  return barbicanError(405, 'Method Not Allowed', `${method} is not allowed here.`);
}

const orderSchema = z.object({
  type: z.string(),
  meta: z.object({ algorithm: z.string(), bit_length: z.number().int().positive(), mode: z.string().optional(), name: z.string().optional() }).loose(),
});

function createOrder(ctx: LabCloudContext, token: LabToken, bodyText: string): RouteAnswer {
  const { model } = ctx;
  if (!model.hasRole(token, 'admin', 'creator')) return notAllowed('Order creation');
  const parsed = orderSchema.safeParse(parseJsonBody(bodyText));
  if (!parsed.success) return barbicanError(400, 'Bad Request', `Provided object does not match schema 'Order': ${parsed.error.issues[0]?.path.join('.') || 'body'}: ${parsed.error.issues[0]?.message}`);
  if (parsed.data.type !== 'key') return barbicanError(400, 'Bad Request', `Provided object does not match schema 'Order': the lab serves only 'key' orders, not '${parsed.data.type}'`);
  const t = barbicanTime(model.now());
  const mode = model.faults.barbicanOrders;
  const meta = parsed.data.meta;
  const order: LabOrder = { id: randomUUID(), projectId: token.projectId, creatorId: token.userId, status: 'PENDING', secretId: null, meta, created: t, updated: t, errorStatusCode: null, errorReason: null };
  if (mode === 'ok') {
    const s = model.addSecret({ id: randomUUID(), projectId: token.projectId, creatorId: token.userId, name: meta.name ?? null, algorithm: meta.algorithm, bitLength: meta.bit_length, mode: meta.mode ?? null, secretType: 'symmetric', status: 'ACTIVE', expiration: null });
    order.status = 'ACTIVE';
    order.secretId = s.id;
  } else if (mode === 'error') {
    order.status = 'ERROR';
    order.errorStatusCode = '500';
    order.errorReason = 'Process TypeOrder failure seen - please contact site administrator.';
  }
  model.orders.set(order.id, order);
  return { status: 202, body: { order_ref: `${ctx.urls.barbican}/v1/orders/${order.id}` } };
}

function orderRoutes(ctx: LabCloudContext, token: LabToken, method: string, id: string | undefined, url: URL, bodyText: string): RouteAnswer {
  if (id === undefined) {
    if (method === 'POST') return createOrder(ctx, token, bodyText);
    if (method === 'GET') {
      if (!ctx.model.hasRole(token, ...READ_ROLES)) return notAllowed('Order(s) retrieval');
      const rows = [...ctx.model.orders.values()].filter((o) => o.projectId === token.projectId);
      const { items, ...rest } = page(ctx, 'orders', url, rows);
      return { status: 200, body: { orders: items.map((o) => orderView(ctx, o)), ...rest } };
    }
  } else if (method === 'GET') {
    const order = ctx.model.orders.get(id);
    if (!order || order.projectId !== token.projectId) return barbicanError(404, 'Not Found', 'Order not found.');
    return { status: 200, body: orderView(ctx, order) };
  }
  return barbicanError(405, 'Method Not Allowed', `${method} is not allowed here.`);
}

export function handleBarbican(ctx: LabCloudContext, method: string, url: URL, headers: Record<string, string | string[] | undefined>, bodyText: string): RouteAnswer {
  const { model } = ctx;
  if (model.faults.barbicanMode === 'http-503') {
    return { status: 503, text: PROXY_503_HTML, headers: { 'content-type': 'text/html' } };
  }
  const path = url.pathname.replace(/^\/key-manager/, '').replace(/\/+$/, '');
  if (path === '' && method === 'GET') {
    const mv = headers['openstack-api-version'];
    const links = [{ rel: 'self', href: `${ctx.urls.barbican}/v1/` }];
    if (typeof mv === 'string' && /^key-manager\s+\d+\.\d+$/i.test(mv.trim())) {
      return { status: 300, body: { versions: [{ id: 'v1', status: 'CURRENT', min_version: '1.0', max_version: '1.1', links }] } };
    }
    return { status: 300, body: { versions: { values: [{ id: 'v1', status: 'stable', links, 'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.key-manager-v1+json' }] }] } } };
  }
  if (path === '/healthcheck' && method === 'GET') {
    return model.faults.barbicanHealthcheckDisabled ? { status: 503, text: 'DISABLED BY FILE' } : { status: 200, text: 'OK' };
  }
  if (!path.startsWith('/v1/')) return barbicanError(404, 'Not Found', 'The resource could not be found.');
  if (model.faults.barbicanKeystoneUnreachable) {
    model.requestCounts.barbican += 1;
    return { status: 503, body: KEYSTONE_UNREACHABLE_BODY };
  }
  const token = model.authenticate(headers['x-auth-token'], 'barbican');
  if (!token) return unauthorized(ctx);
  const [, , collection, id, sub, ...rest] = path.split('/');
  if (rest.length > 0) return barbicanError(404, 'Not Found', 'The resource could not be found.');
  try {
    if (collection === 'secrets') {
      if (model.faults.barbicanBackendError) return failureSeen(id === undefined ? (method === 'POST' ? 'Secret creation' : 'Secret(s) retrieval') : 'Secret retrieval');
      if (id === undefined) {
        if (method === 'GET') return listSecrets(ctx, token, url);
        if (method === 'POST') return createSecret(ctx, token, bodyText);
        return barbicanError(405, 'Method Not Allowed', `${method} is not allowed here.`);
      }
      return secretRoutes(ctx, token, method, id, sub, bodyText);
    }
    if (collection === 'orders' && sub === undefined) {
      if (model.faults.barbicanBackendError) return failureSeen(method === 'POST' ? 'Order creation' : 'Order retrieval');
      return orderRoutes(ctx, token, method, id, url, bodyText);
    }
  } catch (error) {
    if (error instanceof QueryError) return barbicanError(400, 'Bad Request', error.message);
    throw error;
  }
  return barbicanError(404, 'Not Found', 'The resource could not be found.');
}
