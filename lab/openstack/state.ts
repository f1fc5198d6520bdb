/**
 * GET /lab/state of the lab cloud: the ground truth tests and benchmarks compare Keywatch's view
 * with — each row's key (none, all-zero, a Barbican secret that exists, one that is gone), whether
 * the watcher user (`keywatch`, token scoped to the service project) may read that secret, fixed-key
 * rows per cinder-volume host, services, faults, request counters and the migration log.
 */
import { FIXED_KEY_ID } from '@/lib/openstack/schemas';
import type { LabCloudContext } from './context';
import type { LabToken } from './model';

export type RowKey = 'unencrypted' | 'fixed-key' | 'secret-present' | 'secret-missing';

export interface RowTruth {
  id: string;
  name: string;
  projectId: string;
  key: RowKey;
  keyId: string | null;
  /** For secret-present: whether the watcher's token may read its metadata. */
  readableByWatcher: boolean | null;
}

export interface RowCounts {
  total: number;
  unencrypted: number;
  fixedKey: number;
  secretPresent: number;
  secretMissing: number;
  /** secret-present rows whose secret the watcher may not read (Barbican 403). */
  unreadable: number;
}

function counts(rows: RowTruth[]): RowCounts {
  const c: RowCounts = { total: rows.length, unencrypted: 0, fixedKey: 0, secretPresent: 0, secretMissing: 0, unreadable: 0 };
  for (const r of rows) {
    if (r.key === 'unencrypted') c.unencrypted += 1;
    else if (r.key === 'fixed-key') c.fixedKey += 1;
    else if (r.key === 'secret-present') {
      c.secretPresent += 1;
      if (r.readableByWatcher === false) c.unreadable += 1;
    } else c.secretMissing += 1;
  }
  return c;
}

export function buildOpenStackLabState(ctx: LabCloudContext, includeRows: boolean) {
  const { model } = ctx;
  const { estate } = model;
  const watcher = estate.keywatchUser;
  const watcherToken: LabToken = {
    id: 'ground-truth',
    userId: watcher.id,
    projectId: estate.serviceProject.id,
    roles: [...(watcher.roles.get(estate.serviceProject.id) ?? [])],
    issuedAt: 0,
    expiresAt: Number.MAX_SAFE_INTEGER,
    revoked: false,
  };
  const truth = (row: { id: string; name: string; projectId: string; keyId: string | null }, needsFixedKey = false): RowTruth => {
    if (needsFixedKey) return { ...row, key: 'fixed-key', readableByWatcher: null };
    if (row.keyId === null) return { ...row, key: 'unencrypted', readableByWatcher: null };
    if (row.keyId === FIXED_KEY_ID) return { ...row, key: 'fixed-key', readableByWatcher: null };
    const secret = model.liveSecret(row.keyId);
    if (!secret) return { ...row, key: 'secret-missing', readableByWatcher: null };
    return { ...row, key: 'secret-present', readableByWatcher: model.canReadSecret(watcherToken, secret) };
  };
  const pick = (r: { id: string; name: string; projectId: string; keyId: string | null }) => ({ id: r.id, name: r.name, projectId: r.projectId, keyId: r.keyId });
  const volumes = estate.volumes.map((v) => truth(pick(v)));
  const snapshots = estate.snapshots.map((s) => truth(pick(s)));
  const backups = estate.backups.map((b) => truth(pick(b), b.preQueensFixedKey));

  const fixedByHost = new Map<string, { volumes: number; snapshots: number }>();
  const hostOfVolume = new Map<string, string>();
  for (const v of estate.volumes) {
    const host = v.host ? v.host.split('#')[0]! : '(no host)';
    hostOfVolume.set(v.id, host);
    const entry = fixedByHost.get(host) ?? { volumes: 0, snapshots: 0 };
    if (v.keyId === FIXED_KEY_ID) entry.volumes += 1;
    fixedByHost.set(host, entry);
  }
  for (const s of estate.snapshots) {
    const host = hostOfVolume.get(s.volumeId) ?? '(no host)';
    const entry = fixedByHost.get(host) ?? { volumes: 0, snapshots: 0 };
    if (s.keyId === FIXED_KEY_ID) entry.snapshots += 1;
    fixedByHost.set(host, entry);
  }

  let maxPerSecret = 0;
  let totalSecretRequests = 0;
  for (const n of model.secretRequests.values()) {
    maxPerSecret = Math.max(maxPerSecret, n);
    totalSecretRequests += n;
  }
  return {
    urls: ctx.urls,
    region: ctx.region,
    projects: estate.projects.map((p) => ({ id: p.id, name: p.name })),
    watcher: { userId: watcher.id, projectId: estate.serviceProject.id },
    counts: { volumes: counts(volumes), snapshots: counts(snapshots), backups: counts(backups) },
    secrets: {
      total: estate.secrets.length,
      inServiceProject: estate.secrets.filter((s) => s.projectId === estate.serviceProject.id).length,
    },
    hosts: [...fixedByHost.entries()].map(([host, fixed]) => ({ host, fixedKey: fixed })).sort((a, b) => a.host.localeCompare(b.host)),
    services: estate.services.map((s) => ({ binary: s.binary, host: s.host, state: s.state, status: s.status, broken: s.broken, keyManagerBackend: s.keyManagerBackend, fixedKeySet: s.fixedKeySet })),
    faults: model.faults,
    requests: { ...model.requestCounts, secretRequests: { total: totalSecretRequests, distinctSecrets: model.secretRequests.size, maxPerSecret } },
    tokensIssued: model.tokensIssued,
    migrationLog: model.migrationLog.slice(-200),
    ...(includeRows ? { rows: { volumes, snapshots, backups } } : {}),
  };
}

export type OpenStackLabState = ReturnType<typeof buildOpenStackLabState>;
