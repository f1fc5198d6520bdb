/**
 * One full read of an OpenStack cloud: Barbican health (the unauthenticated process check, version
 * discovery and an authenticated `GET /v1/secrets?limit=1`, with latencies), every volume, snapshot
 * and backup with its key state, the migration status of every cinder-volume host and of the
 * backups. Failures are data: each area that could not be read is an entry in `errors`, so a
 * caller raises alerts from the snapshot (see conditions.ts) instead of catching exceptions.
 *
 * Requests: Cinder pages of 1,000 rows; `GET …/encryption` only for encrypted volumes whose details
 * hide the key ID; one `…/types/{id}/encryption` per volume type in use; Barbican at most one
 * request per distinct key ID (secrets of the token's project come from the paged list, then their
 * ACL when a row of another project uses them; any other key gets one metadata GET).
 */
import type { Logger } from 'pino';
import { mapLimited } from '@/lib/vsphere/concurrency-limit';
import type { ResolvedEndpoint } from './catalog';
import { OpenStackClient } from './client';
import type { OpenStackCloudConfigInput } from './config';
import { isOpenStackError, type OpenStackErrorKind } from './errors';
import {
  assessBackupKey,
  assessSnapshotKey,
  assessVolumeKey,
  backupMigrationStatus,
  cinderVolumeHostStatus,
  DEFAULT_EXPIRING_WITHIN_MS,
  FIXED_KEY_ID,
  KEY_STATES,
  parseOpenStackTime,
  type AclFacts,
  type AssessmentContext,
  type BackupMigrationStatus,
  type CinderVolumeHostStatus,
  type KeyAssessment,
  type KeyLookup,
  type KeyState,
  type ListingStatus,
  type SecretAnomaly,
  type SecretFacts,
  type ServiceFacts,
} from './key-state';
import type { Backup, CinderService, Order, Secret, Snapshot, Volume } from './schemas';
import { idFromRef } from './barbican';

export type PollArea =
  | 'keystone'
  | 'catalog-key-manager'
  | 'catalog-block-storage'
  | 'barbican-process'
  | 'barbican-versions'
  | 'barbican-api'
  | 'barbican-secrets'
  | 'barbican-orders'
  | 'cinder-versions'
  | 'cinder-volumes'
  | 'cinder-snapshots'
  | 'cinder-backups'
  | 'cinder-services'
  | 'cinder-encryption'
  | 'cinder-types';

export interface AreaError {
  area: PollArea;
  kind: OpenStackErrorKind | 'incomplete' | 'internal';
  /** One line. */
  message: string;
}

export type BarbicanApiStatus =
  /** `GET /v1/secrets?limit=1` answered 200. */
  | 'ok'
  /** Keystone refused us, or Barbican could not reach Keystone (its 503) or refused a fresh token. */
  | 'auth-failing'
  /** Barbican answered 5xx other than the Keystone case: its database or secret store is failing. */
  | 'backend-error'
  /** No answer: connection refused, TLS failure, timeout, or a proxy's 503. */
  | 'down'
  /** Any other failure (e.g. 403: this user may not list secrets). */
  | 'error'
  /** Not asked (no key-manager endpoint, or no token). */
  | 'skipped';

export interface BarbicanHealth {
  endpoint: string | null;
  /** `GET /healthcheck` (no token). */
  process: { status: 'ok' | 'disabled' | 'absent' | 'failed' | 'skipped'; httpStatus: number | null; latencyMs: number | null; detail: string };
  /** `GET /` answers the 300 versions document. */
  versions: { ok: boolean | null; httpStatus: number | null; detail: string };
  /** Authenticated `GET /v1/secrets?limit=1`: the real liveness check. */
  api: { status: BarbicanApiStatus; httpStatus: number | null; latencyMs: number | null; detail: string; secretsInProject: number | null };
}

export interface VolumeRecord {
  id: string;
  name: string | null;
  projectId: string | null;
  userId: string | null;
  status: string;
  /** `host@backend#pool`. */
  host: string | null;
  cluster: string | null;
  volumeTypeId: string | null;
  volumeType: string | null;
  encrypted: boolean;
  attached: boolean;
  keyState: KeyAssessment;
}

export interface SnapshotRecord {
  id: string;
  name: string | null;
  projectId: string | null;
  userId: string | null;
  status: string;
  volumeId: string;
  /** The volume's host (snapshots live on their volume's backend). */
  host: string | null;
  keyState: KeyAssessment;
}

export interface BackupRecord {
  id: string;
  name: string | null;
  projectId: string | null;
  userId: string | null;
  status: string;
  volumeId: string;
  keyState: KeyAssessment;
}

export interface KeyRecord {
  keyId: string;
  lookup: KeyLookup['kind'] | 'not-asked';
  inTokenProject: boolean;
  secret: SecretFacts | null;
  acl: AclFacts | null;
  /** Union of the anomalies the rows using this key saw. */
  anomalies: SecretAnomaly[];
  /** The anomalies in words, as the first row using the key saw them (null when none). */
  anomalyText: string | null;
  message: string | null;
  usedBy: { volumes: string[]; snapshots: string[]; backups: string[] };
}

export interface OrdersSummary {
  total: number;
  byStatus: Record<string, number>;
  /** PENDING longer than the allowed time, or ERROR: key creation (new encrypted volumes) failing. */
  failing: { orderId: string; status: string; created: string | null; reason: string | null }[];
}

export type KeyStateCounts = Record<KeyState, number>;

export interface OpenStackSnapshot {
  cloud: string;
  takenAt: string;
  durationMs: number;
  token: { ok: boolean; userId: string | null; projectId: string | null; projectName: string | null; roles: string[]; expiresAt: string | null; logins: number };
  endpoints: { keyManager: ResolvedEndpoint | null; blockStorage: ResolvedEndpoint | null };
  barbican: BarbicanHealth;
  cinder: { microversion: string; maxMicroversion: string | null };
  inventory: { volumes: ListingStatus; snapshots: ListingStatus; backups: ListingStatus };
  volumes: VolumeRecord[];
  snapshots: SnapshotRecord[];
  backups: BackupRecord[];
  keys: KeyRecord[];
  hosts: CinderVolumeHostStatus[];
  backupMigration: BackupMigrationStatus;
  /** Cinder services (null when os-services could not be read). */
  services: ServiceFacts[] | null;
  counts: { volumes: KeyStateCounts; snapshots: KeyStateCounts; backups: KeyStateCounts };
  /** Secrets of the token's project no volume, snapshot or backup references (null when not listed). */
  orphanSecrets: { count: number; sample: string[] } | null;
  orders: OrdersSummary | null;
  requests: { keystone: number; barbican: number; cinder: number; barbicanListPages: number; barbicanDistinctKeys: number; barbicanMaxPerKey: number };
  errors: AreaError[];
}

export interface PollOptions {
  /** Clock for expirations and order ages (tests). */
  now?: () => number;
  expiringWithinMs?: number;
  /** An order PENDING longer than this counts as failing (default 10 min). */
  orderPendingLimitMs?: number;
  logger?: Logger;
}

const ORPHAN_SAMPLE = 20;

function emptyCounts(): KeyStateCounts {
  return Object.fromEntries(KEY_STATES.map((s) => [s, 0])) as KeyStateCounts;
}

function countStates(rows: readonly { keyState: KeyAssessment }[]): KeyStateCounts {
  const counts = emptyCounts();
  for (const r of rows) counts[r.keyState.state] += 1;
  return counts;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function kindOf(err: unknown): AreaError['kind'] {
  return isOpenStackError(err) ? err.kind : 'internal';
}

function secretFacts(s: Secret): SecretFacts {
  return {
    status: s.status,
    secretType: s.secret_type,
    algorithm: s.algorithm ?? null,
    bitLength: s.bit_length ?? null,
    expiration: s.expiration ?? null,
    creatorId: s.creator_id ?? null,
  };
}

function serviceFacts(s: CinderService): ServiceFacts {
  return { binary: s.binary, host: s.host, state: s.state, status: s.status, disabledReason: s.disabled_reason ?? null, cluster: s.cluster ?? null };
}

function apiStatusOf(kind: AreaError['kind']): BarbicanApiStatus {
  switch (kind) {
    case 'auth':
    case 'keystone-unavailable':
      return 'auth-failing';
    case 'server':
      return 'backend-error';
    case 'network':
    case 'tls':
    case 'timeout':
    case 'unavailable':
      return 'down';
    default:
      return 'error';
  }
}

type Listing<T> = { items: T[]; status: ListingStatus };

/** Reads one cloud. Never throws for cloud-side trouble; a bad configuration throws OpenStackError. */
export async function pollOpenStack(config: OpenStackCloudConfigInput, options: PollOptions = {}): Promise<OpenStackSnapshot> {
  const now = options.now ?? Date.now;
  const started = now();
  const client = new OpenStackClient(config, { now });
  const errors: AreaError[] = [];
  const fail = (area: PollArea, err: unknown) => {
    const entry: AreaError = { area, kind: kindOf(err), message: messageOf(err) };
    errors.push(entry);
    options.logger?.warn({ cloud: client.config.name, area, kind: entry.kind }, entry.message);
  };
  const notRead = (reason: string): ListingStatus => ({ complete: false, reason });

  const barbican: BarbicanHealth = {
    endpoint: null,
    process: { status: 'skipped', httpStatus: null, latencyMs: null, detail: 'not checked' },
    versions: { ok: null, httpStatus: null, detail: 'not checked' },
    api: { status: 'skipped', httpStatus: null, latencyMs: null, detail: 'not checked', secretsInProject: null },
  };
  const endpoints: OpenStackSnapshot['endpoints'] = { keyManager: null, blockStorage: null };
  let maxMicroversion: string | null = null;
  let tokenOk = false;
  try {
    try {
      await client.keystone.authenticate();
      tokenOk = true;
    } catch (err) {
      fail('keystone', err);
      barbican.api = { ...barbican.api, status: 'auth-failing', detail: messageOf(err) };
    }
    const why = tokenOk ? null : 'no Keystone token';
    let volumes: Listing<Volume> = { items: [], status: notRead(why ?? 'not read') };
    let snapshots: Listing<Snapshot> = { items: [], status: notRead(why ?? 'not read') };
    let backups: Listing<Backup> = { items: [], status: notRead(why ?? 'not read') };
    let services: CinderService[] | null = null;
    const encryption = new Map<string, { keyId: string | null; keySize: number | null } | { error: string }>();
    const typeKeySize = new Map<string, number | null>();

    if (tokenOk) {
      try {
        endpoints.keyManager = await client.keystone.endpoint('key-manager');
        barbican.endpoint = endpoints.keyManager.url;
      } catch (err) {
        fail('catalog-key-manager', err);
      }
      try {
        endpoints.blockStorage = await client.keystone.endpoint('block-storage');
      } catch (err) {
        fail('catalog-block-storage', err);
        const reason = `no block-storage endpoint: ${messageOf(err)}`;
        volumes = { items: [], status: notRead(reason) };
        snapshots = { items: [], status: notRead(reason) };
        backups = { items: [], status: notRead(reason) };
      }
    }

    const barbicanHealth = async () => {
      if (!endpoints.keyManager) return;
      await Promise.all([
        client.barbican.healthcheck().then(
          (h) => {
            const status = h.status === 200 ? 'ok' : h.status === 503 ? 'disabled' : h.status === 404 ? 'absent' : 'failed';
            barbican.process = { status, httpStatus: h.status, latencyMs: h.latencyMs, detail: h.body || `HTTP ${h.status}` };
            if (status === 'disabled' || status === 'failed') fail('barbican-process', `Barbican /healthcheck answered HTTP ${h.status}${h.body ? ` ${h.body}` : ''}`);
          },
          (err: unknown) => {
            barbican.process = { status: 'failed', httpStatus: null, latencyMs: null, detail: messageOf(err) };
            fail('barbican-process', err);
          },
        ),
        client.barbican.versions().then(
          (v) => {
            barbican.versions = { ok: v.versions.some((x) => x.id === 'v1'), httpStatus: v.status, detail: v.versions.map((x) => `${x.id} ${x.status}`).join(', ') };
          },
          (err: unknown) => {
            barbican.versions = { ok: false, httpStatus: isOpenStackError(err) ? (err.status ?? null) : null, detail: messageOf(err) };
            fail('barbican-versions', err);
          },
        ),
        (async () => {
          const t0 = performance.now();
          try {
            const page = await client.barbican.listSecrets({ limit: 1 });
            barbican.api = { status: 'ok', httpStatus: 200, latencyMs: performance.now() - t0, detail: 'GET /v1/secrets?limit=1 answered', secretsInProject: page.total };
          } catch (err) {
            const kind = kindOf(err);
            barbican.api = { status: apiStatusOf(kind), httpStatus: isOpenStackError(err) ? (err.status ?? null) : null, latencyMs: performance.now() - t0, detail: messageOf(err), secretsInProject: null };
            fail('barbican-api', err);
          }
        })(),
      ]);
    };

    const listing = async <T>(area: PollArea, plural: string, read: () => Promise<{ items: T[]; count: number | null }>): Promise<Listing<T>> => {
      try {
        const { items, count } = await read();
        if (count !== null && count !== items.length) {
          const reason = `Cinder counted ${count} ${plural} but listed ${items.length} (they changed during the read)`;
          errors.push({ area, kind: 'incomplete', message: reason });
          return { items, status: { complete: false, reason } };
        }
        return { items, status: { complete: true, reason: null } };
      } catch (err) {
        fail(area, err);
        return { items: [], status: { complete: false, reason: messageOf(err) } };
      }
    };

    const cinderInventory = async () => {
      if (!endpoints.blockStorage) return;
      const cinder = client.cinder;
      const versionsRead = cinder.versions().then(
        (versions) => {
          const v3 = versions.find((v) => v.id.startsWith('v3'));
          maxMicroversion = v3?.maxVersion ?? null;
        },
        (err: unknown) => fail('cinder-versions', err),
      );
      [volumes, snapshots, backups] = await Promise.all([
        listing('cinder-volumes', 'volumes', () => cinder.listVolumes({ allTenants: true })),
        listing('cinder-snapshots', 'snapshots', () => cinder.listSnapshots({ allTenants: true })),
        listing('cinder-backups', 'backups', () => cinder.listBackups({ allTenants: true })),
        cinder.services().then(
          (s) => {
            services = s;
          },
          (err: unknown) => fail('cinder-services', err),
        ),
      ]).then(([v, s, b]) => [v, s, b] as const);
      await versionsRead;

      const hidden = volumes.items.filter((v) => v.encrypted && !v.encryption_key_id);
      let encryptionFailures = 0;
      let firstEncryptionFailure: unknown = null;
      await mapLimited(hidden, client.config.maxConcurrency, async (v) => {
        try {
          const e = await cinder.volumeEncryption(v.id);
          encryption.set(v.id, { keyId: e.encryption_key_id, keySize: e.key_size ?? null });
        } catch (err) {
          encryptionFailures += 1;
          firstEncryptionFailure ??= err;
          encryption.set(v.id, { error: messageOf(err) });
        }
      });
      if (firstEncryptionFailure !== null) {
        errors.push({ area: 'cinder-encryption', kind: kindOf(firstEncryptionFailure), message: `${encryptionFailures} volume(s) without encryption metadata; first: ${messageOf(firstEncryptionFailure)}` });
      }

      const typeIds = [...new Set(volumes.items.filter((v) => v.encrypted && v.volume_type_id).map((v) => v.volume_type_id!))];
      await mapLimited(typeIds, client.config.maxConcurrency, async (id) => {
        try {
          typeKeySize.set(id, (await cinder.typeEncryption(id))?.keySize ?? null);
        } catch (err) {
          typeKeySize.set(id, null);
          fail('cinder-types', err);
        }
      });
    };

    await Promise.all([barbicanHealth(), cinderInventory()]);

    // ------------------------------------------------------------ distinct keys and Barbican
    const tokenProjectId = client.keystone.tokenInfo?.projectId ?? null;
    const ctx: AssessmentContext = { now: now(), expiringWithinMs: options.expiringWithinMs ?? DEFAULT_EXPIRING_WITHIN_MS, tokenProjectId };
    const volumeKeyId = (v: Volume): string | null => {
      if (v.encryption_key_id) return v.encryption_key_id;
      const e = encryption.get(v.id);
      return e && 'keyId' in e && e.keyId && e.keyId !== FIXED_KEY_ID ? e.keyId : null;
    };
    const volumesById = new Map(volumes.items.map((v) => [v.id, v]));
    const usage = new Map<string, KeyRecord['usedBy'] & { otherProject: boolean }>();
    const recordUse = (keyId: string | null, kind: keyof KeyRecord['usedBy'], id: string, projectId: string | null | undefined) => {
      if (!keyId || keyId === FIXED_KEY_ID) return;
      let u = usage.get(keyId);
      if (!u) {
        u = { volumes: [], snapshots: [], backups: [], otherProject: false };
        usage.set(keyId, u);
      }
      u[kind].push(id);
      if (projectId && projectId !== tokenProjectId) u.otherProject = true;
    };
    for (const v of volumes.items) recordUse(volumeKeyId(v), 'volumes', v.id, v['os-vol-tenant-attr:tenant_id']);
    for (const b of backups.items) recordUse(b.encryption_key_id ?? null, 'backups', b.id, b['os-backup-project-attr:project_id']);

    const lookups = new Map<string, KeyLookup>();
    let listed: Map<string, Secret> | null = null;
    let orders: OrdersSummary | null = null;
    if (barbican.api.status === 'ok') {
      try {
        const all = await client.barbican.listAllSecrets();
        listed = new Map(all.secrets.map((s) => [idFromRef(s.secret_ref), s]));
      } catch (err) {
        fail('barbican-secrets', err);
      }
      await mapLimited([...usage.entries()], client.config.maxConcurrency, async ([keyId, u]) => {
        try {
          const inList = listed?.get(keyId);
          if (inList) {
            let acl: AclFacts | null = null;
            if (u.otherProject) {
              const a = await client.barbican.getAcl(keyId);
              if (a.kind === 'not-found') {
                lookups.set(keyId, { kind: 'not-found', message: a.message });
                return;
              }
              if (a.kind === 'found') acl = { users: a.acl.read.users, projectAccess: a.acl.read['project-access'] };
            }
            lookups.set(keyId, { kind: 'found', secret: secretFacts(inList), inTokenProject: true, acl });
            return;
          }
          const s = await client.barbican.getSecret(keyId);
          lookups.set(keyId, s.kind === 'found' ? { kind: 'found', secret: secretFacts(s.secret), inTokenProject: false, acl: null } : s);
        } catch (err) {
          lookups.set(keyId, { kind: 'error', message: messageOf(err) });
        }
      });
      try {
        orders = summarizeOrders(await client.barbican.listAllOrders(), now(), options.orderPendingLimitMs ?? 10 * 60_000);
      } catch (err) {
        fail('barbican-orders', err);
      }
    } else {
      const message = endpoints.keyManager ? `Barbican is not usable (${barbican.api.status}): ${barbican.api.detail}` : 'no key-manager endpoint in the catalog';
      for (const keyId of usage.keys()) lookups.set(keyId, { kind: 'error', message });
    }

    // ------------------------------------------------------------ classification
    const volumeRecords: VolumeRecord[] = volumes.items.map((v) => {
      const tKey = v.volume_type_id ? (typeKeySize.get(v.volume_type_id) ?? null) : null;
      const keyState = assessVolumeKey(
        {
          encrypted: v.encrypted,
          detailsKeyId: v.encryption_key_id ?? null,
          encryption: encryption.get(v.id) ?? null,
          typeKeySize: tKey,
          userId: v.user_id ?? null,
          projectId: v['os-vol-tenant-attr:tenant_id'] ?? null,
        },
        lookups,
        ctx,
      );
      return {
        id: v.id,
        name: v.name ?? null,
        projectId: v['os-vol-tenant-attr:tenant_id'] ?? null,
        userId: v.user_id ?? null,
        status: v.status,
        host: v['os-vol-host-attr:host'] ?? null,
        cluster: v.cluster_name ?? null,
        volumeTypeId: v.volume_type_id ?? null,
        volumeType: v.volume_type ?? null,
        encrypted: v.encrypted,
        attached: v.attachments.length > 0,
        keyState,
      };
    });
    const volumeRecordById = new Map(volumeRecords.map((v) => [v.id, v]));
    const snapshotRecords: SnapshotRecord[] = snapshots.items.map((s) => {
      const parent = volumeRecordById.get(s.volume_id);
      return {
        id: s.id,
        name: s.name ?? null,
        projectId: s['os-extended-snapshot-attributes:project_id'] ?? null,
        userId: s.user_id ?? null,
        status: s.status,
        volumeId: s.volume_id,
        host: parent?.host ?? null,
        keyState: assessSnapshotKey(s.volume_id, parent?.keyState),
      };
    });
    for (const s of snapshotRecords) recordUse(s.keyState.keyId, 'snapshots', s.id, null);
    const backupRecords: BackupRecord[] = backups.items.map((b) => {
      const source = volumesById.get(b.volume_id);
      return {
        id: b.id,
        name: b.name ?? null,
        projectId: b['os-backup-project-attr:project_id'] ?? null,
        userId: b.user_id ?? null,
        status: b.status,
        volumeId: b.volume_id,
        keyState: assessBackupKey(
          {
            detailsKeyId: b.encryption_key_id ?? null,
            userId: b.user_id ?? null,
            projectId: b['os-backup-project-attr:project_id'] ?? null,
            source: source ? { encrypted: source.encrypted, typeKeySize: source.volume_type_id ? (typeKeySize.get(source.volume_type_id) ?? null) : null } : null,
            volumeId: b.volume_id,
          },
          lookups,
          ctx,
        ),
      };
    });

    const anomaliesByKey = new Map<string, { set: Set<SecretAnomaly>; text: string | null }>();
    for (const r of [...volumeRecords, ...backupRecords]) {
      if (!r.keyState.keyId || r.keyState.anomalies.length === 0) continue;
      const entry = anomaliesByKey.get(r.keyState.keyId) ?? { set: new Set<SecretAnomaly>(), text: r.keyState.reason };
      for (const a of r.keyState.anomalies) entry.set.add(a);
      anomaliesByKey.set(r.keyState.keyId, entry);
    }
    const keys: KeyRecord[] = [...usage.entries()].map(([keyId, u]) => {
      const l = lookups.get(keyId);
      return {
        keyId,
        lookup: l?.kind ?? 'not-asked',
        inTokenProject: l?.kind === 'found' ? l.inTokenProject : false,
        secret: l?.kind === 'found' ? l.secret : null,
        acl: l?.kind === 'found' ? l.acl : null,
        anomalies: [...(anomaliesByKey.get(keyId)?.set ?? [])],
        anomalyText: anomaliesByKey.get(keyId)?.text ?? null,
        message: l && l.kind !== 'found' ? l.message : null,
        usedBy: { volumes: u.volumes, snapshots: u.snapshots, backups: u.backups },
      };
    });

    const serviceList = services === null ? null : (services as CinderService[]).map(serviceFacts);
    let orphanSecrets: OpenStackSnapshot['orphanSecrets'] = null;
    if (listed) {
      const orphans = [...listed.keys()].filter((id) => !usage.has(id));
      orphanSecrets = { count: orphans.length, sample: orphans.slice(0, ORPHAN_SAMPLE) };
    }
    let maxPerKey = 0;
    for (const n of client.barbican.requestsPerSecret.values()) maxPerKey = Math.max(maxPerKey, n);
    const info = client.keystone.tokenInfo;
    return {
      cloud: client.config.name,
      takenAt: new Date(started).toISOString(),
      durationMs: now() - started,
      token: {
        ok: tokenOk,
        userId: info?.userId ?? null,
        projectId: info?.projectId ?? null,
        projectName: info?.projectName ?? null,
        roles: info?.roles ?? [],
        expiresAt: info?.expiresAt ?? null,
        logins: client.keystone.logins,
      },
      endpoints,
      barbican,
      cinder: { microversion: client.config.cinderMicroversion, maxMicroversion },
      inventory: { volumes: volumes.status, snapshots: snapshots.status, backups: backups.status },
      volumes: volumeRecords,
      snapshots: snapshotRecords,
      backups: backupRecords,
      keys,
      hosts: cinderVolumeHostStatus(volumeRecords, snapshotRecords, serviceList),
      backupMigration: backupMigrationStatus(backupRecords, serviceList),
      services: serviceList,
      counts: { volumes: countStates(volumeRecords), snapshots: countStates(snapshotRecords), backups: countStates(backupRecords) },
      orphanSecrets,
      orders,
      requests: {
        keystone: client.http.requestCounts.keystone,
        barbican: client.http.requestCounts.barbican,
        cinder: client.http.requestCounts.cinder,
        barbicanListPages: client.barbican.listPages,
        barbicanDistinctKeys: usage.size,
        barbicanMaxPerKey: maxPerKey,
      },
      errors,
    };
  } finally {
    await client.close();
  }
}

export function summarizeOrders(orders: readonly Order[], now: number, pendingLimitMs: number): OrdersSummary {
  const byStatus: Record<string, number> = {};
  const failing: OrdersSummary['failing'] = [];
  for (const o of orders) {
    byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    const created = o.created ?? null;
    const age = created ? now - parseOpenStackTime(created) : 0;
    if (o.status === 'ERROR' || (o.status === 'PENDING' && age > pendingLimitMs)) {
      failing.push({ orderId: idFromRef(o.order_ref), status: o.status, created, reason: o.error_reason ?? (o.status === 'PENDING' ? `PENDING for ${Math.round(age / 1000)} s` : null) });
    }
  }
  return { total: orders.length, byStatus, failing };
}
