/**
 * The lab Cinder (v3 with microversions up to a settable maximum, default 3.71): volumes,
 * snapshots and backups with details (paged with limit / marker, `all_tenants` and `with_count`
 * for admins), a volume's encryption metadata, volume-type encryption and `os-services`. Fields
 * appear at the microversions Cinder adds them; from 3.64 `encryption_key_id` shows only when set
 * and not the all-zero ID. Faults use Cinder's `{"itemNotFound":{code,message}}` bodies; a bad
 * microversion is 406 `computeFault`.
 */
import { compareMicroversions, parseMicroversion } from '@/lib/openstack/config';
import { FIXED_KEY_ID } from '@/lib/openstack/schemas';
import type { RouteAnswer } from '../vcenter/http';
import { unauthorized, type LabCloudContext } from './context';
import type { LabBackup, LabService, LabSnapshot, LabVolume } from './estate';
import type { LabToken } from './model';

const MIN_VERSION = '3.0';
const MAX_LIMIT = 1000;

export function cinderFault(status: number, message: string): RouteAnswer {
  const name: Record<number, string> = { 400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod', 409: 'conflictingRequest', 503: 'serviceUnavailable' };
  return { status, body: { [name[status] ?? 'computeFault']: { code: status, message } } };
}

const at = (mv: string, version: string) => compareMicroversions(mv, version) >= 0;

function volumeView(ctx: LabCloudContext, v: LabVolume, mv: string, admin: boolean, base: string) {
  const type = ctx.model.typesById.get(v.typeId);
  const view: Record<string, unknown> = {
    id: v.id,
    name: v.name,
    status: v.status,
    size: v.size,
    availability_zone: 'nova',
    created_at: v.createdAt,
    updated_at: null,
    description: null,
    attachments: v.serverId ? [{ id: v.id, attachment_id: `att-${v.id.slice(0, 8)}`, volume_id: v.id, server_id: v.serverId, host_name: null, device: '/dev/vdb', attached_at: v.createdAt }] : [],
    bootable: 'false',
    encrypted: v.keyId !== null,
    metadata: {},
    multiattach: false,
    snapshot_id: null,
    source_volid: null,
    consistencygroup_id: null,
    replication_status: null,
    volume_type: type?.name ?? null,
    user_id: v.userId,
    'os-vol-tenant-attr:tenant_id': v.projectId,
    links: [{ href: `${base}/volumes/${v.id}`, rel: 'self' }],
  };
  if (admin) {
    view['os-vol-host-attr:host'] = v.host;
    view['os-vol-mig-status-attr:migstat'] = null;
    view['os-vol-mig-status-attr:name_id'] = null;
    view.migration_status = null;
  }
  if (at(mv, '3.13')) view.group_id = null;
  if (admin && at(mv, '3.21')) view.provider_id = null;
  if (at(mv, '3.48')) {
    view.shared_targets = false;
    view.service_uuid = null;
  }
  if (admin && at(mv, '3.61')) view.cluster_name = null;
  if (at(mv, '3.63')) view.volume_type_id = v.typeId;
  if (at(mv, '3.64') && v.keyId && v.keyId !== FIXED_KEY_ID) view.encryption_key_id = v.keyId;
  if (at(mv, '3.65')) view.consumes_quota = true;
  return view;
}

function snapshotView(s: LabSnapshot, mv: string) {
  const view: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    description: null,
    status: s.status,
    size: 1,
    volume_id: s.volumeId,
    created_at: s.createdAt,
    updated_at: null,
    metadata: {},
    'os-extended-snapshot-attributes:project_id': s.projectId,
    'os-extended-snapshot-attributes:progress': '100%',
  };
  if (at(mv, '3.14')) view.group_snapshot_id = null;
  if (at(mv, '3.41')) view.user_id = s.userId;
  if (at(mv, '3.65')) view.consumes_quota = true;
  return view;
}

function backupView(b: LabBackup, mv: string, admin: boolean, base: string) {
  const view: Record<string, unknown> = {
    id: b.id,
    name: b.name,
    description: null,
    status: b.status,
    size: 1,
    object_count: 2,
    availability_zone: 'nova',
    container: 'volumebackups',
    created_at: b.createdAt,
    updated_at: b.createdAt,
    data_timestamp: b.createdAt,
    fail_reason: null,
    volume_id: b.volumeId,
    snapshot_id: null,
    is_incremental: false,
    has_dependent_backups: false,
    links: [{ href: `${base}/backups/${b.id}`, rel: 'self' }],
  };
  if (admin && at(mv, '3.18')) view['os-backup-project-attr:project_id'] = b.projectId;
  if (at(mv, '3.43')) view.metadata = {};
  if (at(mv, '3.56')) view.user_id = b.userId;
  if (at(mv, '3.64') && b.keyId && b.keyId !== FIXED_KEY_ID) view.encryption_key_id = b.keyId;
  return view;
}

function serviceView(s: LabService, mv: string) {
  const view: Record<string, unknown> = {
    binary: s.binary,
    host: s.host,
    zone: s.zone,
    status: s.status,
    state: s.state,
    updated_at: s.updatedAt,
    disabled_reason: s.disabledReason,
    frozen: false,
    replication_status: s.binary === 'cinder-volume' ? 'disabled' : null,
    active_backend_id: null,
  };
  if (at(mv, '3.7')) view.cluster = null;
  if (s.binary === 'cinder-volume' && at(mv, '3.49')) view.backend_state = s.state;
  return view;
}

class CinderBadRequest extends Error {}

/** limit / marker paging with Cinder's next link (present whenever a page is full). */
function paged<T extends { id: string }>(rows: T[], url: URL, base: string, collection: string): { items: T[]; links: { href: string; rel: string }[] | undefined } {
  const rawLimit = url.searchParams.get('limit');
  if (rawLimit !== null && !/^\d+$/.test(rawLimit)) throw new CinderBadRequest('limit param must be an integer');
  const limit = Math.min(rawLimit === null ? MAX_LIMIT : Number(rawLimit), MAX_LIMIT);
  if (limit < 0) throw new CinderBadRequest('limit param must be positive');
  const marker = url.searchParams.get('marker');
  let start = 0;
  if (marker) {
    const i = rows.findIndex((r) => r.id === marker);
    if (i < 0) throw new CinderBadRequest(`Marker ${marker} could not be found.`);
    start = i + 1;
  }
  const items = rows.slice(start, start + limit);
  if (items.length === 0 || items.length < limit) return { items, links: undefined };
  const next = new URLSearchParams(url.searchParams);
  next.set('limit', String(limit));
  next.set('marker', items[items.length - 1]!.id);
  return { items, links: [{ href: `${base}/${collection}/detail?${next}`, rel: 'next' }] };
}

function wantsAllTenants(url: URL, admin: boolean): boolean {
  const v = url.searchParams.get('all_tenants');
  // Non-admins' all_tenants is dropped silently, as Cinder does.
  return admin && v !== null && ['1', 'true', 'True', 'yes'].includes(v);
}

function withCount(body: Record<string, unknown>, url: URL, mv: string, total: number): Record<string, unknown> {
  if (at(mv, '3.45') && ['true', 'True', '1'].includes(url.searchParams.get('with_count') ?? '')) body.count = total;
  return body;
}

function route(ctx: LabCloudContext, token: LabToken, mv: string, rest: string[], url: URL, base: string): RouteAnswer {
  const { model } = ctx;
  const admin = model.hasRole(token, 'admin');
  const scoped = <T extends { projectId: string }>(rows: T[]) => (wantsAllTenants(url, admin) ? rows : rows.filter((r) => r.projectId === token.projectId));
  const [collection, id, sub] = rest;
  if (rest.length === 2 && id === 'detail') {
    if (collection === 'volumes') {
      const rows = scoped(model.estate.volumes);
      const { items, links } = paged(rows, url, base, 'volumes');
      return { status: 200, body: withCount({ volumes: items.map((v) => volumeView(ctx, v, mv, admin, base)), ...(links ? { volumes_links: links } : {}) }, url, mv, rows.length) };
    }
    if (collection === 'snapshots') {
      const rows = scoped(model.estate.snapshots);
      const { items, links } = paged(rows, url, base, 'snapshots');
      return { status: 200, body: withCount({ snapshots: items.map((s) => snapshotView(s, mv)), ...(links ? { snapshots_links: links } : {}) }, url, mv, rows.length) };
    }
    if (collection === 'backups') {
      const rows = scoped(model.estate.backups);
      const { items, links } = paged(rows, url, base, 'backups');
      return { status: 200, body: withCount({ backups: items.map((b) => backupView(b, mv, admin, base)), ...(links ? { backups_links: links } : {}) }, url, mv, rows.length) };
    }
  }
  if (collection === 'volumes' && id && sub === 'encryption' && rest.length === 3) {
    const v = model.volumesById.get(id);
    if (!v || (!admin && v.projectId !== token.projectId)) return cinderFault(404, `Volume ${id} could not be found.`);
    if (v.keyId === null) return { status: 200, body: { encryption_key_id: null } };
    const enc = model.typesById.get(v.typeId)?.encryption;
    return { status: 200, body: { encryption_key_id: v.keyId, ...(enc ? { control_location: enc.controlLocation, cipher: enc.cipher, key_size: enc.keySize, provider: enc.provider } : {}) } };
  }
  if (collection === 'types' && id && sub === 'encryption' && rest.length === 3) {
    if (!admin) return cinderFault(403, "Policy doesn't allow volume_extension:volume_type_encryption to be performed.");
    const type = model.typesById.get(id);
    if (!type) return cinderFault(404, `Volume type ${id} could not be found.`);
    if (!type.encryption) return { status: 200, body: {} };
    const e = type.encryption;
    return {
      status: 200,
      body: { volume_type_id: type.id, encryption_id: e.encryptionId, provider: e.provider, cipher: e.cipher, key_size: e.keySize, control_location: e.controlLocation, created_at: '2024-01-01T00:00:00.000000', updated_at: null, deleted: false, deleted_at: null },
    };
  }
  if (collection === 'os-services' && rest.length === 1) {
    if (!admin) return cinderFault(403, "Policy doesn't allow volume_extension:services:index to be performed.");
    const binary = url.searchParams.get('binary');
    const host = url.searchParams.get('host');
    const services = model.estate.services.filter((s) => (!binary || s.binary === binary) && (!host || s.host === host));
    return { status: 200, body: { services: services.map((s) => serviceView(s, mv)) } };
  }
  return cinderFault(404, 'The resource could not be found.');
}

/** The requested microversion, or the fault to answer. */
function microversion(ctx: LabCloudContext, header: string | string[] | undefined): { mv: string } | { fault: RouteAnswer } {
  const max = ctx.model.faults.cinderMaxMicroversion;
  if (typeof header !== 'string' || header.trim() === '') return { mv: MIN_VERSION };
  const m = /^\s*volume\s+(\S+)\s*$/i.exec(header);
  if (!m) return { mv: MIN_VERSION };
  const requested = m[1]!.toLowerCase() === 'latest' ? max : m[1]!;
  if (!parseMicroversion(requested)) return { fault: cinderFault(400, `API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`) };
  if (compareMicroversions(requested, MIN_VERSION) < 0 || compareMicroversions(requested, max) > 0) {
    return { fault: cinderFault(406, `Version ${requested} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${max}.`) };
  }
  return { mv: requested };
}

export function handleCinder(ctx: LabCloudContext, method: string, url: URL, headers: Record<string, string | string[] | undefined>): RouteAnswer {
  const { model } = ctx;
  const path = url.pathname.replace(/^\/volume/, '').replace(/\/+$/, '');
  if (path === '' && method === 'GET') {
    return {
      status: 300,
      body: {
        versions: [
          {
            id: 'v3.0',
            status: 'CURRENT',
            version: model.faults.cinderMaxMicroversion,
            min_version: MIN_VERSION,
            updated: '2023-08-31T00:00:00Z',
            links: [{ href: `${ctx.urls.cinder}/v3/`, rel: 'self' }],
            'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
          },
        ],
      },
    };
  }
  const parts = path.split('/').slice(1);
  if (parts[0] !== 'v3') return cinderFault(404, 'The resource could not be found.');
  const token = model.authenticate(headers['x-auth-token'], 'cinder');
  if (!token) return unauthorized(ctx);
  const version = microversion(ctx, headers['openstack-api-version']);
  if ('fault' in version) return version.fault;
  const mvHeaders: Record<string, string> = model.faults.cinderDropVersionHeader ? {} : { 'openstack-api-version': `volume ${version.mv}`, vary: 'OpenStack-API-Version' };
  // From 3.67 the project segment is optional; when present it must be the token's project.
  let rest = parts.slice(1);
  let base = `${ctx.urls.cinder}/v3`;
  if (rest[0] && /^[0-9a-f]{32}$/.test(rest[0])) {
    if (rest[0] !== token.projectId) return { ...cinderFault(400, 'Malformed request url'), headers: mvHeaders };
    base = `${base}/${rest[0]}`;
    rest = rest.slice(1);
  }
  if (method !== 'GET') return { ...cinderFault(405, `${method} is not served by the lab Cinder.`), headers: mvHeaders };
  let answer: RouteAnswer;
  try {
    answer = route(ctx, token, version.mv, rest, url, base);
  } catch (error) {
    if (error instanceof CinderBadRequest) answer = cinderFault(400, error.message);
    else throw error;
  }
  answer = { ...answer, headers: { ...answer.headers, ...mvHeaders } };
  const truncate = model.faults.cinderTruncate;
  if (truncate && answer.status === 200 && url.pathname.includes(truncate.path)) {
    truncate.count -= 1;
    if (truncate.count <= 0) model.faults.cinderTruncate = null;
    const json = JSON.stringify(answer.body);
    return { status: 200, text: json.slice(0, Math.floor(json.length / 2)), headers: { ...answer.headers, 'content-type': 'application/json' } };
  }
  return answer;
}
