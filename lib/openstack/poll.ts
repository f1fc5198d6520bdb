/**
 * One full read of an OpenStack cloud into an OpenStackSnapshot (snapshot.ts): Barbican health (the
 * unauthenticated process check, version discovery and an authenticated `GET /v1/secrets?limit=1`,
 * with latencies), every volume, snapshot and backup with its key state, the migration status of
 * every cinder-volume host and of the backups. Failures are data: each area that could not be read
 * is an entry in `errors`, so a caller raises alerts from the snapshot (conditions.ts) instead of
 * catching exceptions.
 *
 * Requests: Cinder pages of 1,000 rows; `GET …/encryption` only for encrypted volumes whose details
 * hide the key ID; one `…/types/{id}/encryption` per volume type in use; Barbican at most one
 * request per distinct key ID — secrets of the token's project come from the paged list (plus their
 * ACL when a row of another project uses them), any other key gets one metadata GET.
 */
import type { Logger } from 'pino';
import { mapLimited } from '@/lib/vsphere/concurrency-limit';
import { idFromRef } from './barbican';
import { OpenStackClient } from './client';
import type { OpenStackCloudConfigInput } from './config';
import { isOpenStackError } from './errors';
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
  type KeyAssessment,
  type KeyLookup,
  type ListingStatus,
  type SecretAnomaly,
  type SecretFacts,
  type ServiceFacts,
} from './key-state';
import type { Backup, CinderService, Order, Secret, Snapshot, Volume } from './schemas';
import type {
  AreaError,
  BackupRecord,
  BarbicanApiStatus,
  BarbicanHealth,
  KeyRecord,
  KeyStateCounts,
  OpenStackSnapshot,
  OrdersSummary,
  PollArea,
  SnapshotRecord,
  VolumeRecord,
} from './snapshot';

export interface PollOptions {
  /** Clock for expirations and order ages (tests). */
  now?: () => number;
  expiringWithinMs?: number;
  /** An order PENDING longer than this counts as failing (default 10 min). */
  orderPendingLimitMs?: number;
  logger?: Logger;
}

const ORPHAN_SAMPLE = 20;

type EncryptionRead = { keyId: string | null; keySize: number | null } | { error: string };
type Listing<T> = { items: T[]; status: ListingStatus };
type KeyUsage = KeyRecord['usedBy'] & { otherProject: boolean };

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function kindOf(err: unknown): AreaError['kind'] {
  return isOpenStackError(err) ? err.kind : 'internal';
}

function statusOf(err: unknown): number | null {
  return isOpenStackError(err) ? (err.status ?? null) : null;
}

function countStates(rows: readonly { keyState: KeyAssessment }[]): KeyStateCounts {
  const counts = Object.fromEntries(KEY_STATES.map((s) => [s, 0])) as KeyStateCounts;
  for (const r of rows) counts[r.keyState.state] += 1;
  return counts;
}

function secretFacts(s: Secret): SecretFacts {
  return { status: s.status, secretType: s.secret_type, algorithm: s.algorithm ?? null, bitLength: s.bit_length ?? null, expiration: s.expiration ?? null, creatorId: s.creator_id ?? null };
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

/** The state of one poll while it runs; `run()` reads the cloud and assembles the snapshot. */
class CloudPoll {
  private readonly errors: AreaError[] = [];
  private readonly started: number;
  private tokenOk = false;
  private readonly endpoints: OpenStackSnapshot['endpoints'] = { keyManager: null, blockStorage: null };
  private readonly barbican: BarbicanHealth = {
    endpoint: null,
    process: { status: 'skipped', httpStatus: null, latencyMs: null, detail: 'not checked' },
    versions: { ok: null, httpStatus: null, detail: 'not checked' },
    api: { status: 'skipped', httpStatus: null, latencyMs: null, detail: 'not checked', secretsInProject: null },
  };
  private maxMicroversion: string | null = null;
  private volumes: Listing<Volume>;
  private snapshots: Listing<Snapshot>;
  private backups: Listing<Backup>;
  private services: ServiceFacts[] | null = null;
  private readonly encryption = new Map<string, EncryptionRead>();
  private readonly typeKeySize = new Map<string, number | null>();
  private readonly usage = new Map<string, KeyUsage>();
  private readonly lookups = new Map<string, KeyLookup>();
  private listedSecrets: Map<string, Secret> | null = null;
  private orders: OrdersSummary | null = null;

  constructor(
    private readonly client: OpenStackClient,
    private readonly options: PollOptions,
    private readonly now: () => number,
  ) {
    this.started = now();
    const notRead = { items: [], status: { complete: false, reason: 'not read' } };
    this.volumes = notRead;
    this.snapshots = notRead;
    this.backups = notRead;
  }

  private fail(area: PollArea, err: unknown): void {
    const entry: AreaError = { area, kind: kindOf(err), message: messageOf(err) };
    this.errors.push(entry);
    this.options.logger?.warn({ cloud: this.client.config.name, area, kind: entry.kind }, entry.message);
  }

  private setAllListings(reason: string): void {
    const notRead = { items: [], status: { complete: false, reason } };
    this.volumes = notRead;
    this.snapshots = notRead;
    this.backups = notRead;
  }

  async run(): Promise<OpenStackSnapshot> {
    if (await this.authenticate()) {
      await this.resolveEndpoints();
      await Promise.all([this.checkBarbican(), this.readCinder()]);
      this.collectKeys();
      await this.lookUpKeys();
    }
    return this.assemble();
  }

  private async authenticate(): Promise<boolean> {
    try {
      await this.client.keystone.authenticate();
      this.tokenOk = true;
    } catch (err) {
      this.fail('keystone', err);
      this.barbican.api = { ...this.barbican.api, status: 'auth-failing', detail: messageOf(err) };
      this.setAllListings('no Keystone token');
    }
    return this.tokenOk;
  }

  private async resolveEndpoints(): Promise<void> {
    try {
      this.endpoints.keyManager = await this.client.keystone.endpoint('key-manager');
      this.barbican.endpoint = this.endpoints.keyManager.url;
    } catch (err) {
      this.fail('catalog-key-manager', err);
    }
    try {
      this.endpoints.blockStorage = await this.client.keystone.endpoint('block-storage');
    } catch (err) {
      this.fail('catalog-block-storage', err);
      this.setAllListings(`no block-storage endpoint: ${messageOf(err)}`);
    }
  }

  // ------------------------------------------------------------ Barbican health

  private async checkBarbican(): Promise<void> {
    if (!this.endpoints.keyManager) return;
    await Promise.all([this.checkProcess(), this.checkVersions(), this.checkApi()]);
  }

  private async checkProcess(): Promise<void> {
    try {
      const h = await this.client.barbican.healthcheck();
      const status = h.status === 200 ? 'ok' : h.status === 503 ? 'disabled' : h.status === 404 ? 'absent' : 'failed';
      this.barbican.process = { status, httpStatus: h.status, latencyMs: h.latencyMs, detail: h.body || `HTTP ${h.status}` };
      if (status === 'disabled' || status === 'failed') this.fail('barbican-process', `Barbican /healthcheck answered HTTP ${h.status}${h.body ? ` ${h.body}` : ''}`);
    } catch (err) {
      this.barbican.process = { status: 'failed', httpStatus: null, latencyMs: null, detail: messageOf(err) };
      this.fail('barbican-process', err);
    }
  }

  private async checkVersions(): Promise<void> {
    try {
      const v = await this.client.barbican.versions();
      this.barbican.versions = { ok: v.versions.some((x) => x.id === 'v1'), httpStatus: v.status, detail: v.versions.map((x) => `${x.id} ${x.status}`).join(', ') };
    } catch (err) {
      this.barbican.versions = { ok: false, httpStatus: statusOf(err), detail: messageOf(err) };
      this.fail('barbican-versions', err);
    }
  }

  private async checkApi(): Promise<void> {
    const t0 = performance.now();
    try {
      const page = await this.client.barbican.listSecrets({ limit: 1 });
      this.barbican.api = { status: 'ok', httpStatus: 200, latencyMs: performance.now() - t0, detail: 'GET /v1/secrets?limit=1 answered', secretsInProject: page.total };
    } catch (err) {
      this.barbican.api = { status: apiStatusOf(kindOf(err)), httpStatus: statusOf(err), latencyMs: performance.now() - t0, detail: messageOf(err), secretsInProject: null };
      this.fail('barbican-api', err);
    }
  }

  // ------------------------------------------------------------ Cinder

  private async listing<T>(area: PollArea, plural: string, read: () => Promise<{ items: T[]; count: number | null }>): Promise<Listing<T>> {
    try {
      const { items, count } = await read();
      if (count !== null && count !== items.length) {
        const reason = `Cinder counted ${count} ${plural} but listed ${items.length} (they changed during the read)`;
        this.errors.push({ area, kind: 'incomplete', message: reason });
        return { items, status: { complete: false, reason } };
      }
      return { items, status: { complete: true, reason: null } };
    } catch (err) {
      this.fail(area, err);
      return { items: [], status: { complete: false, reason: messageOf(err) } };
    }
  }

  private async readCinder(): Promise<void> {
    if (!this.endpoints.blockStorage) return;
    const cinder = this.client.cinder;
    const readVersions = async () => {
      try {
        this.maxMicroversion = (await cinder.versions()).find((v) => v.id.startsWith('v3'))?.maxVersion ?? null;
      } catch (err) {
        this.fail('cinder-versions', err);
      }
    };
    const readServices = async () => {
      try {
        this.services = (await cinder.services()).map(serviceFacts);
      } catch (err) {
        this.fail('cinder-services', err);
      }
    };
    const [volumes, snapshots, backups] = await Promise.all([
      this.listing('cinder-volumes', 'volumes', () => cinder.listVolumes({ allTenants: true })),
      this.listing('cinder-snapshots', 'snapshots', () => cinder.listSnapshots({ allTenants: true })),
      this.listing('cinder-backups', 'backups', () => cinder.listBackups({ allTenants: true })),
      readServices(),
      readVersions(),
    ]);
    this.volumes = volumes;
    this.snapshots = snapshots;
    this.backups = backups;
    await Promise.all([this.readHiddenKeys(), this.readTypeKeySizes()]);
  }

  /** The all-zero ID shows only in `…/encryption`: ask for every encrypted volume whose details hide its key. */
  private async readHiddenKeys(): Promise<void> {
    const hidden = this.volumes.items.filter((v) => v.encrypted && !v.encryption_key_id);
    let failures = 0;
    let first: unknown = null;
    await mapLimited(hidden, this.client.config.maxConcurrency, async (v) => {
      try {
        const e = await this.client.cinder.volumeEncryption(v.id);
        this.encryption.set(v.id, { keyId: e.encryption_key_id, keySize: e.key_size ?? null });
      } catch (err) {
        failures += 1;
        first ??= err;
        this.encryption.set(v.id, { error: messageOf(err) });
      }
    });
    if (first !== null) {
      this.errors.push({ area: 'cinder-encryption', kind: kindOf(first), message: `${failures} volume(s) without encryption metadata; first: ${messageOf(first)}` });
    }
  }

  private async readTypeKeySizes(): Promise<void> {
    const typeIds = [...new Set(this.volumes.items.filter((v) => v.encrypted && v.volume_type_id).map((v) => v.volume_type_id!))];
    await mapLimited(typeIds, this.client.config.maxConcurrency, async (id) => {
      try {
        this.typeKeySize.set(id, (await this.client.cinder.typeEncryption(id))?.keySize ?? null);
      } catch (err) {
        this.typeKeySize.set(id, null);
        this.fail('cinder-types', err);
      }
    });
  }

  // ------------------------------------------------------------ keys and Barbican lookups

  private get tokenProjectId(): string | null {
    return this.client.keystone.tokenInfo?.projectId ?? null;
  }

  private recordUse(keyId: string | null, kind: keyof KeyRecord['usedBy'], id: string, projectId: string | null | undefined): void {
    if (!keyId || keyId === FIXED_KEY_ID) return;
    let u = this.usage.get(keyId);
    if (!u) {
      u = { volumes: [], snapshots: [], backups: [], otherProject: false };
      this.usage.set(keyId, u);
    }
    u[kind].push(id);
    if (projectId && projectId !== this.tokenProjectId) u.otherProject = true;
  }

  private volumeKeyId(v: Volume): string | null {
    if (v.encryption_key_id) return v.encryption_key_id;
    const e = this.encryption.get(v.id);
    return e && 'keyId' in e && e.keyId && e.keyId !== FIXED_KEY_ID ? e.keyId : null;
  }

  /** Distinct Barbican key IDs of volumes (and so their snapshots) and backups. */
  private collectKeys(): void {
    for (const v of this.volumes.items) this.recordUse(this.volumeKeyId(v), 'volumes', v.id, v['os-vol-tenant-attr:tenant_id']);
    for (const b of this.backups.items) this.recordUse(b.encryption_key_id ?? null, 'backups', b.id, b['os-backup-project-attr:project_id']);
  }

  private async lookUpKey(keyId: string, usage: KeyUsage): Promise<KeyLookup> {
    const barbican = this.client.barbican;
    const listed = this.listedSecrets?.get(keyId);
    if (!listed) {
      const s = await barbican.getSecret(keyId);
      return s.kind === 'found' ? { kind: 'found', secret: secretFacts(s.secret), inTokenProject: false, acl: null } : s;
    }
    // Metadata came with the list; the ACL matters only for rows of other projects.
    let acl: AclFacts | null = null;
    if (usage.otherProject) {
      const a = await barbican.getAcl(keyId);
      if (a.kind === 'not-found') return { kind: 'not-found', message: a.message };
      if (a.kind === 'found') acl = { users: a.acl.read.users, projectAccess: a.acl.read['project-access'] };
    }
    return { kind: 'found', secret: secretFacts(listed), inTokenProject: true, acl };
  }

  private async lookUpKeys(): Promise<void> {
    if (this.barbican.api.status !== 'ok') {
      const message = this.endpoints.keyManager ? `Barbican is not usable (${this.barbican.api.status}): ${this.barbican.api.detail}` : 'no key-manager endpoint in the catalog';
      for (const keyId of this.usage.keys()) this.lookups.set(keyId, { kind: 'error', message });
      return;
    }
    try {
      const all = await this.client.barbican.listAllSecrets();
      this.listedSecrets = new Map(all.secrets.map((s) => [idFromRef(s.secret_ref), s]));
    } catch (err) {
      this.fail('barbican-secrets', err);
    }
    await mapLimited([...this.usage.entries()], this.client.config.maxConcurrency, async ([keyId, usage]) => {
      try {
        this.lookups.set(keyId, await this.lookUpKey(keyId, usage));
      } catch (err) {
        this.lookups.set(keyId, { kind: 'error', message: messageOf(err) });
      }
    });
    try {
      this.orders = summarizeOrders(await this.client.barbican.listAllOrders(), this.now(), this.options.orderPendingLimitMs ?? 10 * 60_000);
    } catch (err) {
      this.fail('barbican-orders', err);
    }
  }

  // ------------------------------------------------------------ classification

  private typeKeySizeOf(typeId: string | null | undefined): number | null {
    return typeId ? (this.typeKeySize.get(typeId) ?? null) : null;
  }

  private assemble(): OpenStackSnapshot {
    const { client } = this;
    const ctx: AssessmentContext = { now: this.now(), expiringWithinMs: this.options.expiringWithinMs ?? DEFAULT_EXPIRING_WITHIN_MS, tokenProjectId: this.tokenProjectId };
    const volumes: VolumeRecord[] = this.volumes.items.map((v) => ({
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
      keyState: assessVolumeKey(
        {
          encrypted: v.encrypted,
          detailsKeyId: v.encryption_key_id ?? null,
          encryption: this.encryption.get(v.id) ?? null,
          typeKeySize: this.typeKeySizeOf(v.volume_type_id),
          userId: v.user_id ?? null,
          projectId: v['os-vol-tenant-attr:tenant_id'] ?? null,
        },
        this.lookups,
        ctx,
      ),
    }));
    const volumeById = new Map(volumes.map((v) => [v.id, v]));
    const snapshots: SnapshotRecord[] = this.snapshots.items.map((s) => {
      const parent = volumeById.get(s.volume_id);
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
    for (const s of snapshots) this.recordUse(s.keyState.keyId, 'snapshots', s.id, null);
    const backups: BackupRecord[] = this.backups.items.map((b) => {
      const source = volumeById.get(b.volume_id);
      const projectId = b['os-backup-project-attr:project_id'] ?? null;
      return {
        id: b.id,
        name: b.name ?? null,
        projectId,
        userId: b.user_id ?? null,
        status: b.status,
        volumeId: b.volume_id,
        keyState: assessBackupKey(
          {
            detailsKeyId: b.encryption_key_id ?? null,
            userId: b.user_id ?? null,
            projectId,
            source: source ? { encrypted: source.encrypted, typeKeySize: this.typeKeySizeOf(source.volumeTypeId) } : null,
            volumeId: b.volume_id,
          },
          this.lookups,
          ctx,
        ),
      };
    });

    let maxPerKey = 0;
    for (const n of client.barbican.requestsPerSecret.values()) maxPerKey = Math.max(maxPerKey, n);
    const orphans = this.listedSecrets ? [...this.listedSecrets.keys()].filter((id) => !this.usage.has(id)) : null;
    const info = client.keystone.tokenInfo;
    return {
      cloud: client.config.name,
      takenAt: new Date(this.started).toISOString(),
      durationMs: this.now() - this.started,
      token: {
        ok: this.tokenOk,
        userId: info?.userId ?? null,
        projectId: info?.projectId ?? null,
        projectName: info?.projectName ?? null,
        roles: info?.roles ?? [],
        expiresAt: info?.expiresAt ?? null,
        logins: client.keystone.logins,
      },
      endpoints: this.endpoints,
      barbican: this.barbican,
      cinder: { microversion: client.config.cinderMicroversion, maxMicroversion: this.maxMicroversion },
      inventory: { volumes: this.volumes.status, snapshots: this.snapshots.status, backups: this.backups.status },
      volumes,
      snapshots,
      backups,
      keys: this.keyRecords(volumes, backups),
      hosts: cinderVolumeHostStatus(volumes, snapshots, this.services),
      backupMigration: backupMigrationStatus(backups, this.services),
      services: this.services,
      counts: { volumes: countStates(volumes), snapshots: countStates(snapshots), backups: countStates(backups) },
      orphanSecrets: orphans ? { count: orphans.length, sample: orphans.slice(0, ORPHAN_SAMPLE) } : null,
      orders: this.orders,
      requests: {
        keystone: client.http.requestCounts.keystone,
        barbican: client.http.requestCounts.barbican,
        cinder: client.http.requestCounts.cinder,
        barbicanListPages: client.barbican.listPages,
        barbicanDistinctKeys: this.usage.size,
        barbicanMaxPerKey: maxPerKey,
      },
      errors: this.errors,
    };
  }

  private keyRecords(volumes: readonly VolumeRecord[], backups: readonly BackupRecord[]): KeyRecord[] {
    const anomalies = new Map<string, { set: Set<SecretAnomaly>; text: string | null }>();
    for (const r of [...volumes, ...backups]) {
      if (!r.keyState.keyId || r.keyState.anomalies.length === 0) continue;
      const entry = anomalies.get(r.keyState.keyId) ?? { set: new Set<SecretAnomaly>(), text: r.keyState.reason };
      for (const a of r.keyState.anomalies) entry.set.add(a);
      anomalies.set(r.keyState.keyId, entry);
    }
    return [...this.usage.entries()].map(([keyId, u]) => {
      const l = this.lookups.get(keyId);
      const found = l?.kind === 'found' ? l : null;
      return {
        keyId,
        lookup: l?.kind ?? 'not-asked',
        inTokenProject: found?.inTokenProject ?? false,
        secret: found?.secret ?? null,
        acl: found?.acl ?? null,
        anomalies: [...(anomalies.get(keyId)?.set ?? [])],
        anomalyText: anomalies.get(keyId)?.text ?? null,
        message: l && l.kind !== 'found' ? l.message : null,
        usedBy: { volumes: u.volumes, snapshots: u.snapshots, backups: u.backups },
      };
    });
  }
}

/** Reads one cloud. Never throws for cloud-side trouble; a bad configuration throws OpenStackError. */
export async function pollOpenStack(config: OpenStackCloudConfigInput, options: PollOptions = {}): Promise<OpenStackSnapshot> {
  const now = options.now ?? Date.now;
  const client = new OpenStackClient(config, { now });
  try {
    return await new CloudPoll(client, options, now).run();
  } finally {
    await client.close();
  }
}
